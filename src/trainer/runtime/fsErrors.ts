// The one place where a file-system errno (ENOSPC, EROFS, EFBIG, …) becomes a product error: a code the CLI turns
// into an exit code, a sentence naming the file (or the folder the user chose) and a next step. Node's own message,
// "ENOSPC: no space left on device, write", names no file when the write went through a descriptor and reads as a
// crash, so every writer wraps its errors with fsError()/fsErrorSync(), and runJob and the CLI's entry pass anything
// that still carries an errno through asProductError(): no raw errno reaches a user.
import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export type FsErrorCode =
  | 'disk-full' | 'file-too-large' | 'read-only' | 'permission' | 'io-error' | 'not-found' | 'too-many-files'
  | 'bad-input' | 'file-system' | 'network';

/**
 * Codes that mean the user's choice is at fault (a folder on a read-only disk, one they may not write, a file where
 * a folder belongs): the CLI exits 2 for them, as for other bad input. A full disk is not a wrong choice (exit 1).
 */
export const BAD_INPUT_FS_CODES: ReadonlySet<string> = new Set<FsErrorCode>(['read-only', 'permission', 'bad-input']);

export class FsError extends Error {
  constructor(
    readonly code: FsErrorCode, message: string, readonly file: string | undefined, readonly hint: string,
    /** The errno behind it, for the log; never shown as the message. */
    readonly errno: string,
  ) {
    super(message);
    this.name = 'FsError';
  }
}

export interface FsContext {
  /** The file being written (or read, see `doing`): the sentence names it. Defaults to the error's own path. */
  file?: string;
  /** The folder the user chose (--out, --runs, --cache): a read-only or unwritable disk is named by it. */
  folder?: string;
  /** `file` is this tool's own bookkeeping (a journal, a lock, a temp name): the sentence names the folder instead. */
  internal?: boolean;
  /** What a failure leaves behind, said after "free some space and run again": "the files placed so far are kept". */
  kept?: string;
  /** What was being done to `file`: 'writing' (the default), 'creating', 'removing', 'reading'. */
  doing?: string;
  /** A next step of the caller's own, said after the usual one ("or pass --cache another folder"). */
  alternative?: string;
}

type Errno = NodeJS.ErrnoException & { dest?: string };

/** The errno of a Node file-system error ('ENOSPC'), or undefined for anything else (ERR_* codes included). */
export function errnoOf(e: unknown): string | undefined {
  const code = (e as Errno | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && !(e instanceof FsError) ? code : undefined;
}

/**
 * fsError() without the look at the disk that tells a read-only disk from a missing folder: for the few places that
 * cannot wait (a synchronous journal write), where the errno is already the real one.
 */
export function fsErrorSync(e: unknown, at: FsContext = {}): Error {
  const errno = errnoOf(e);
  if (!errno) return e as Error;
  return describe(errno, e as Errno, at);
}

/**
 * A product error for `e` if it carries an errno, else `e` unchanged. Node's recursive mkdir reports ENOENT when the
 * first folder it has to make is on a read-only disk (it stats the folder after the real EROFS or EACCES), so an
 * ENOENT from mkdir is checked against the nearest folder that exists: whether it can be written says what is wrong.
 */
export async function fsError(e: unknown, at: FsContext = {}): Promise<Error> {
  let errno = errnoOf(e);
  if (!errno) return e as Error;
  const err = e as Errno;
  let blocked: string | undefined;
  if (errno === 'ENOENT' && err.syscall === 'mkdir') {
    const found = await nearestExisting(err.path ?? at.file ?? at.folder ?? '');
    if (found) {
      const why = await unwritable(found.dir, found.isDir);
      if (why) {
        errno = why;
        blocked = found.dir;
      }
    }
  }
  return describe(errno, err, at, blocked);
}

/** The error a job reports for `e`: a product error for an errno (naming the error's own path), else `e`. */
export function asProductError(e: unknown): Promise<Error> {
  return fsError(e, { doing: doingOf((e as Errno | null)?.syscall) });
}

async function nearestExisting(p: string): Promise<{ dir: string; isDir: boolean } | undefined> {
  if (!p) return undefined;
  for (let dir = path.dirname(path.resolve(p)); ; dir = path.dirname(dir)) {
    const stat = await fs.stat(dir).catch(() => undefined);
    if (stat) return { dir, isDir: stat.isDirectory() };
    if (dir === path.dirname(dir)) return undefined;
  }
}

/** Why `dir` cannot take a new entry ('EROFS', 'EACCES', 'ENOTDIR'), or undefined when it can. */
async function unwritable(dir: string, isDir: boolean): Promise<string | undefined> {
  if (!isDir) return 'ENOTDIR';
  try {
    await fs.access(dir, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (e) {
    return errnoOf(e);
  }
}

const DOING: Record<string, string> = {
  write: 'writing', open: 'opening', read: 'reading', mkdir: 'creating', rename: 'writing', copyfile: 'writing',
  link: 'writing', symlink: 'writing', unlink: 'removing', rmdir: 'removing', rm: 'removing', scandir: 'reading',
  stat: 'reading', lstat: 'reading', access: 'reading', fsync: 'writing', close: 'writing',
};

function doingOf(syscall: string | undefined): string | undefined {
  return syscall ? DOING[syscall] : undefined;
}

/** Node's description of an errno ("no space left on device"), from its message "ENOSPC: no space …, write '…'". */
function descriptionOf(err: Errno, errno: string): string {
  const m = new RegExp(`^${errno}: ([^,]+)`).exec(err.message ?? '');
  return m ? m[1] : errno;
}

/** Errnos of sockets, not files: one that reaches a job's end unwrapped (a download cut off) is not about a file. */
const NETWORK = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  'ENETUNREACH', 'ENETDOWN',
]);

function describe(errno: string, err: Errno, at: FsContext, blocked?: string): FsError {
  if (NETWORK.has(errno) && !at.file && !err.path) {
    return new FsError('network', `A network connection failed: ${descriptionOf(err, errno)} (${errno}).`, undefined,
      'Check the connection (or use a local model folder), then run again.', errno);
  }
  const file = at.file ?? err.dest ?? err.path;
  const folder = at.folder ?? blocked ?? (file ? path.dirname(file) : undefined);
  const doing = at.doing ?? doingOf(err.syscall) ?? 'writing';
  // What the sentence names: the file, unless it is this tool's own bookkeeping; then the folder it lives in.
  const named = at.internal || !file ? (folder ? `in ${folder}` : 'a file') : file;
  const where = folder ?? file ?? 'the folder';
  const kept = at.kept ? ` (${at.kept})` : '';
  const make = (code: FsErrorCode, message: string, hint: string) => new FsError(
    code, message, at.internal ? folder : file ?? folder, at.alternative ? `${hint} ${at.alternative}` : hint, errno);
  switch (errno) {
    case 'ENOSPC':
      return make('disk-full',
        `No space left on the disk while ${doing} ${named}: free some space and run again${kept}.`,
        `Free space on the disk that holds ${where}, or choose a folder on another disk.`);
    case 'EDQUOT':
      return make('disk-full',
        `Your disk quota is used up while ${doing} ${named}: free some space and run again${kept}.`,
        `Free space in your quota on the disk that holds ${where}, or choose a folder on another disk.`);
    case 'EFBIG':
      return make('file-too-large', `${capital(doing)} ${named} failed: the file would be larger than this system ` +
        `lets a file be (a file-size limit such as \`ulimit -f\`, or the file system's maximum).` +
        (at.kept ? ` ${capital(at.kept)}.` : ''),
      'Raise the file-size limit, or choose a folder on a disk that takes larger files, then run again.');
    case 'EROFS': {
      const because = blocked && at.folder && blocked !== at.folder ? `: ${blocked} is on a read-only disk` : '';
      const which = at.internal || !file || file === where ? '' : ` (${file})`;
      const message = because ? `${at.folder} cannot be created${because}.`
        : `${where} is on a read-only disk and cannot be written${which}.`;
      return make('read-only', message,
        'Choose a folder on a writable disk, or remount it read-write, then run again.');
    }
    case 'EACCES':
    case 'EPERM': {
      const what = blocked && at.folder && blocked !== at.folder ? `${at.folder} cannot be created: ${blocked}` : where;
      return make('permission', `${what} cannot be written: permission denied` +
        `${at.internal || !file || file === where || blocked ? '' : ` for ${file}`}.`,
      `Check the owner and permissions of ${blocked ?? where}, or choose another folder.`);
    }
    case 'EIO':
      return make('io-error', `The disk reported an input/output error while ${doing} ${named}.`,
        'The disk may be failing or disconnected: check it, then run again.');
    case 'ENOTDIR':
      return make('bad-input', `${capital(doing)} ${named} failed: ${blocked ?? 'a part of its path'} is a file, ` +
        'not a folder.', 'Move that file away, or choose another folder.');
    case 'EISDIR':
      return make('bad-input', `${capital(doing)} ${named} failed: a folder is where that file belongs.`,
        'Move that folder away, or choose another folder.');
    case 'ENAMETOOLONG':
      return make('bad-input', `${capital(doing)} ${named} failed: the name is longer than the disk allows.`,
        'Use a shorter folder or file name.');
    case 'ENOENT':
      return make('not-found', `${capital(doing)} ${named} failed: it, or a folder above it, does not exist (was it ` +
        'moved or removed while the job ran?).', 'Check that the folder is still there, then run again.');
    case 'EMFILE':
    case 'ENFILE':
      return make('too-many-files', `Too many files are open while ${doing} ${named}.`,
        'Raise the open-file limit (ulimit -n), or close other programs, then run again.');
    default:
      return make('file-system', `${capital(doing)} ${named} failed: ${descriptionOf(err, errno)} (${errno}).`,
        `Check the disk that holds ${where}, then run again.`);
  }
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
