// Forks the trainer child process for one job and turns its IPC traffic into typed events and one outcome.
// Deliberately free of the vscode API so it can be tested in plain Node.
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { parseJobResult, type JobName, type JobResult } from '../core/jobs';
import {
  parseTrainerMessage, withVersion, type ErrorEvent, type TrainerEvent, type UnversionedRequest,
} from '../core/protocol';

/** How a job ended; `done` carries the result its contract checked (a result that fails the check is `failed`). */
export type JobOutcome<R = unknown> =
  | { status: 'done'; result: R; runId?: string }
  | { status: 'failed'; error: ErrorEvent }
  | { status: 'cancelled' }
  | { status: 'crashed'; exitCode: number | null; signal: NodeJS.Signals | null; stderrTail: string };

/**
 * glibc gives each thread that allocates its own malloc arena and rarely hands freed memory back; the trainer's
 * threads (sharp's decoders, the forward workers) made its peak RSS grow with the number of images. Two arenas,
 * measured by bench/memory.ts on a 25,000-image feature extractor: 452 → 420 MB, and 1.12× → 1.10× the 5,000-image
 * run. Other C libraries ignore it; a MALLOC_ARENA_MAX already in the environment wins.
 */
const TRAINER_ENV = { MALLOC_ARENA_MAX: '2' };

/** How long a cancelled trainer gets to stop at its next batch before it is killed. */
const CANCEL_GRACE_MS = 10_000;

export class TrainerJob<J extends JobName = JobName> extends EventEmitter<{ event: [TrainerEvent]; stderr: [string] }> {
  readonly outcome: Promise<JobOutcome<JobResult<J>>>;
  private readonly child: ChildProcess;
  private cancelRequested = false;
  private stderrTail = '';

  constructor(trainerPath: string, readonly job: J, config: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
    super();
    this.child = fork(trainerPath, [], {
      // ELECTRON_RUN_AS_NODE makes desktop VS Code's Electron binary behave as plain Node for the child.
      env: { ...TRAINER_ENV, ...process.env, ...env, ELECTRON_RUN_AS_NODE: '1' },
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.outcome = this.watch();
    this.child.stdout?.on('data', (d: Buffer) => this.emit('stderr', d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      this.stderrTail = (this.stderrTail + text).slice(-4000);
      this.emit('stderr', text);
    });
    this.send({ type: 'start', job, config });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  cancel(): void {
    if (this.cancelRequested || this.child.exitCode !== null) return;
    this.cancelRequested = true;
    this.send({ type: 'cancel' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), CANCEL_GRACE_MS);
    this.child.once('exit', () => clearTimeout(timer));
  }

  private send(request: UnversionedRequest): void {
    if (this.child.connected) this.child.send(withVersion(request));
  }

  /**
   * The done event's result, checked by the job's contract. One that does not read back (a trainer from another
   * version, a bug) fails the job with the field that is wrong, instead of a TypeError in the command that shows it.
   */
  private checked(raw: unknown, runId: string | undefined): JobOutcome<JobResult<J>> {
    try {
      return { status: 'done', result: parseJobResult(this.job, raw), ...(runId ? { runId } : {}) };
    } catch (e) {
      return {
        status: 'failed',
        error: {
          type: 'error', code: 'bad-result', message: `the trainer's result could not be read: ${(e as Error).message}`,
          hint: 'The trainer and the extension may be from different versions: reinstall the extension.',
        },
      };
    }
  }

  private watch(): Promise<JobOutcome<JobResult<J>>> {
    return new Promise((resolve) => {
      let terminal: TrainerEvent | undefined;
      this.child.on('message', (raw) => {
        const parsed = parseTrainerMessage(raw);
        const event: TrainerEvent = parsed.ok
          ? parsed.value
          : { type: 'log', level: 'warn', message: `ignored a malformed trainer message: ${parsed.error}` };
        if (event.type === 'done' || event.type === 'error') terminal = event;
        this.emit('event', event);
      });
      const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
        if (terminal?.type === 'done') resolve(this.checked(terminal.result, terminal.runId));
        else if (this.cancelRequested) resolve({ status: 'cancelled' });
        else if (terminal?.type === 'error') resolve({ status: 'failed', error: terminal });
        else resolve({ status: 'crashed', exitCode, signal, stderrTail: this.stderrTail });
      };
      this.child.on('exit', finish);
      this.child.on('error', (e) => {
        this.stderrTail += `\n${e.message}`;
        if (this.child.exitCode === null && this.child.pid === undefined) finish(null, null);
      });
    });
  }
}
