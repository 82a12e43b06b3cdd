// The extension's side of stale-run detection: whether a run's recorded pid is still its trainer. Kept free of
// the vscode import so it is unit-tested in Node; the /proc parsing is shared with the trainer from src/core.
import { readFileSync } from 'node:fs';
import { procStatStartTime, type ProcessProbe } from '../core/runRecord';

/** Whether a process has `pid` and (Linux) when it started; EPERM means it exists but belongs to another user. */
export function probeProcess(pid: number): ProcessProbe {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return { alive: false };
  }
  let startTime: number | undefined;
  try {
    startTime = procStatStartTime(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    // No /proc (macOS, Windows) or not readable: the pid alone decides.
  }
  return { alive: true, startTime };
}
