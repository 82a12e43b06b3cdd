// A long-lived helper process answering one JSON request per line, so a bench can interleave engines and the
// PyTorch reference run by run: on a shared machine, load from other jobs then lands on every side alike.
// Replies are the stdout lines that start with "@@"; anything else a library prints (tfjs' banner) goes to stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export const REPLY_MARK = '@@';

export class LineWorker {
  private readonly child: ChildProcess;
  private readonly waiting: ((line: string) => void)[] = [];
  private exited: string | undefined;

  constructor(readonly name: string, command: string, args: string[]) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (line.startsWith(REPLY_MARK)) this.waiting.shift()?.(line.slice(REPLY_MARK.length));
      else process.stderr.write(`[${name}] ${line}\n`);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = `${name} exited (${code ?? signal})`;
      for (const w of this.waiting.splice(0)) w(JSON.stringify({ error: this.exited }));
    });
  }

  async request<T = Record<string, unknown>>(message: Record<string, unknown>): Promise<T> {
    if (this.exited) throw new Error(this.exited);
    const reply = new Promise<string>((resolve) => this.waiting.push(resolve));
    this.child.stdin!.write(JSON.stringify(message) + '\n');
    const parsed = JSON.parse(await reply) as T & { error?: string };
    if (parsed.error) throw new Error(`${this.name}: ${parsed.error}`);
    return parsed;
  }

  close(): void {
    this.child.stdin!.end();
  }
}

/** The worker side: answers each request line with handle()'s result, or its error. */
export function serveLines(handle: (message: Record<string, unknown>) => Promise<unknown>): void {
  const reply = (v: unknown) => process.stdout.write(REPLY_MARK + JSON.stringify(v) + '\n');
  let queue = Promise.resolve();
  createInterface({ input: process.stdin }).on('line', (line) => {
    queue = queue.then(async () => {
      try {
        reply(await handle(JSON.parse(line) as Record<string, unknown>));
      } catch (e) {
        reply({ error: String((e as Error)?.stack ?? e).slice(0, 2000) });
      }
    });
  }).on('close', () => void queue.then(() => process.exit(0)));
}
