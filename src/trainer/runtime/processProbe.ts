// Is a recorded trainer still running? The pid alone is not enough: pids are reused, so a run records its process
// start time too (Linux: /proc/<pid>/stat), and both must match. The parsing is pure, in src/core/runRecord.ts.
import { readFileSync } from 'node:fs';
import { procStatStartTime, type ProcessProbe } from '../../core/runRecord';

/** When process `pid` started, from /proc (Linux); undefined where there is no /proc or it cannot be read. */
export function processStartTime(pid: number): number | undefined {
  try {
    return procStatStartTime(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether a process has `pid` and when it started; EPERM means it exists but belongs to another user. */
export function probeProcess(pid: number): ProcessProbe {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return { alive: false };
  }
  return { alive: true, startTime: processStartTime(pid) };
}
