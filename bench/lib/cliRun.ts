// Runs the built CLI (dist/cli.js) as a child, sampling its VmHWM (peak resident set, as the kernel keeps it)
// from /proc until it exits, and parses the last stdout line as the command's --json result. Each stderr line is
// kept with the second it arrived and the start's wall-clock time, so a bench can place the job's own events (and
// the files it wrote, by mtime) on the same clock.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { CLI } from './paths';
import { round } from './stats';

export interface CliRun {
  json: Record<string, unknown>; peakRssMb: number; wallSeconds: number;
  /** Date.now() when the child was spawned (ms, fractional). */
  startedAt: number;
  /** stderr lines, each with the seconds since the spawn it arrived at (the first 5,000). */
  stderrLines: { t: number; line: string }[];
}

export function peakRssMb(pid: number | undefined): number {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0; // exited between samples
  }
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const startedAt = performance.timeOrigin + performance.now();
    const child = spawn(process.execPath, [CLI, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    let peak = 0;
    const stderrLines: CliRun['stderrLines'] = [];
    let partial = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      err = (err + text).slice(-2000);
      const t = Number(process.hrtime.bigint() - t0) / 1e9;
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (stderrLines.length < 5000) stderrLines.push({ t, line });
    });
    const timer = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid))), 100);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`transfer-lab ${args[0]} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
      resolve({
        json: JSON.parse(out.trim().split('\n').at(-1)!), peakRssMb: round(peak), wallSeconds: Number(process.hrtime.bigint() - t0) / 1e9,
        startedAt, stderrLines,
      });
    });
  });
}
