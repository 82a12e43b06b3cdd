// The lock a prepare (or undo) holds on its output folder. Two prepares into one folder at once corrupt it: the
// second one's journal replaces the first's while the first still appends to the old one, the first's finish removes
// the second's journal, and the second's cleanup deletes files the first placed. So the folder holds LOCK_FILE,
// created with O_EXCL and naming its holder (pid and the pid's start time); a second prepare is refused with a
// sentence, and a lock whose holder is gone (killed) or whose pid now belongs to another process is taken over.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOCK_FILE, lockHeld, lockText, parseLock, type PrepareLock } from '../../core/prepareJournal';
import type { ProcessProbe } from '../../core/runRecord';
import { fsError } from '../runtime/fsErrors';
import { probeProcess, processStartTime } from '../runtime/processProbe';

/** Another live process holds the lock: not bad input, and nothing to fix but waiting. */
export class OutputBusyError extends Error {
  readonly code = 'busy';
  constructor(message: string, readonly file: string, readonly hint: string) {
    super(message);
  }
}

export interface HeldLock {
  /** Removes the lock if it is still this holder's. Never throws: it runs in `finally`, after the real outcome. */
  release(): Promise<void>;
}

export interface LockOptions {
  /** For tests: how a holder's pid is probed, and this machine's name. */
  probe?: (pid: number) => ProcessProbe;
  host?: string;
}

/** The holder writes the lock right after creating it; an empty or torn one older than this was left by a kill. */
const TORN_AFTER_MS = 2000;

/** Takes the output folder's lock (the folder must exist), or throws OutputBusyError naming the holder. */
export async function lockOutput(out: string, opts: LockOptions = {}): Promise<HeldLock> {
  const file = path.join(out, LOCK_FILE);
  const host = opts.host ?? os.hostname();
  const probe = opts.probe ?? probeHolder;
  const pidStart = processStartTime(process.pid);
  const me: PrepareLock = {
    pid: process.pid, ...(pidStart !== undefined ? { pidStart } : {}), host,
    token: randomBytes(8).toString('hex'), since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await tryCreate(file, out, me)) return { release: () => release(file, me.token) };
    const found = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (found === undefined) continue; // released or taken over since: try again
    const holder = parseLock(found);
    if (holder && lockHeld(holder, host, probe)) throw busy(out, file, holder, host);
    if (!holder && Date.now() - (await mtimeMs(file)) < TORN_AFTER_MS) {
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    await takeOver(file, found);
  }
  throw new OutputBusyError(`${out} could not be locked for Prepare Dataset: its lock (${file}) keeps changing.`, out,
    'Another process is preparing it; wait for it to finish, then run again.');
}

/** Creates the lock with O_EXCL; false when one is already there. Errors name the output folder, not the lock. */
async function tryCreate(file: string, out: string, me: PrepareLock): Promise<boolean> {
  let handle;
  try {
    handle = await fs.open(file, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw await fsError(e, { file, folder: out, internal: true });
  }
  try {
    await handle.writeFile(lockText(me));
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fs.rm(file, { force: true });
    throw await fsError(e, { file, folder: out, internal: true });
  }
  await handle.close();
  return true;
}

/**
 * Removes a lock judged stale. It is first renamed aside and checked: another process may have taken it over and
 * made its own lock between our read and the rename, and a live lock taken by mistake is put back.
 */
async function takeOver(file: string, staleText: string): Promise<void> {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}${STALE_SUFFIX}`;
  try {
    await fs.rename(file, aside);
  } catch {
    return; // gone already: someone else took it over
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => staleText);
  if (moved !== staleText) await fs.link(aside, file).catch(() => undefined);
  await fs.rm(aside, { force: true });
}

/** The suffix of a lock renamed aside while it is taken over; a kill in that moment can leave one. */
export const STALE_SUFFIX = '.stale';

async function release(file: string, token: string): Promise<void> {
  try {
    if (parseLock(await fs.readFile(file, 'utf8'))?.token === token) await fs.rm(file, { force: true });
  } catch {
    // Already gone, or the disk refuses (read-only by now): a lock left behind is taken over by the next run.
  }
}

/**
 * probeProcess, with a zombie counted as gone: a killed holder whose parent has not reaped it yet still answers
 * kill(pid, 0), but it holds nothing and will never release the lock.
 */
function probeHolder(pid: number): ProcessProbe {
  const found = probeProcess(pid);
  if (!found.alive) return found;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 1).trim()[0];
    return state === 'Z' || state === 'X' ? { alive: false } : found;
  } catch {
    return found; // no /proc (not Linux), or it just exited: probeProcess's answer stands
  }
}

async function mtimeMs(file: string): Promise<number> {
  return fs.stat(file).then((s) => s.mtimeMs, () => 0);
}

function busy(out: string, file: string, holder: PrepareLock, host: string): OutputBusyError {
  const where = holder.host === host ? '' : ` on ${holder.host}`;
  return new OutputBusyError(`${out} is being prepared by another Transfer Lab process (pid ${holder.pid}${where}, ` +
    `since ${holder.since}): two at once would mix up their files, so this one stops.`, out,
  `Wait for that one to finish (or cancel it), then run again. If no such process is running, delete ${file}.`);
}
