// The CLI's commands: each turns its flags into a job config and prints the job's result. runCli.ts has already
// checked the flags (cliFlags.ts: number flags arrive as numbers) and reports every failure.
import type { ParseArgsConfig } from 'node:util';
import type { DoctorResult } from '../../core/jobs/doctor';
import { printJson, runCliJob } from './cliJob';
import { demoCommands } from './demoCommand';
import { runCommands } from './runCommands';
import { trainCommands } from './trainCommands';
import { prepareCommands } from './prepareCommands';
import { evaluateCommands } from './evaluateCommands';
import { explainCommands } from './explainCommands';
import { exportCommands } from './exportCommands';
import { guidanceCommands } from './guidanceCommands';
import { cleanerCommands } from './cleanerCommands';

export interface CliCommand {
  summary: string;
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Returns the exit code. A failure throws (UsageError, CliJobFailure, an error with a code); runCli reports it. */
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

const json = { json: { type: 'boolean' as const, default: false } };

/** One block per role: the engine that runs it, then why each faster one was skipped. */
function formatDoctor(r: DoctorResult): string {
  const lines = [
    `frozen:   ${r.frozen.engine} ${r.frozen.version}  (embeddings, activations below the unfreeze point, evaluate, predict)`,
    ...r.frozen.skipped.map((s) => `  skipped ${s.engine}: ${s.reason}`),
    `training: ${r.engine} (backend "${r.backend}", version ${r.version})${r.slowPath ? '  [slow path: no native engine]' : ''}` +
      '  (heads, unfrozen top blocks)',
    ...r.skipped.map((s) => `  skipped ${s.engine}: ${s.reason}`),
    `tfjs:     ${r.tfjs}`,
    `sharp:    ${r.sharp} (libvips ${r.libvips})`,
    `node:     ${r.node} on ${r.platform}, ${r.cpus} cpus`,
    `forward:  ${r.forwardWorkers ? `${r.forwardWorkers} worker threads` : "the job's own thread"} when frozen passes run on tfjs` +
      (r.mallocArenaMax ? `; MALLOC_ARENA_MAX=${r.mallocArenaMax}` : ''),
  ];
  if (r.wasm)
    lines.push(
      `wasm:     SIMD ${r.wasm.simd ? 'yes' : 'no'}, threads ${r.wasm.threads ? 'yes' : 'no'} (${r.wasm.threadsCount} in use)`,
    );
  return lines.join('\n') + '\n';
}

export const commands: Record<string, CliCommand> = {
  ...demoCommands,
  ...runCommands,
  ...trainCommands,
  ...prepareCommands,
  ...cleanerCommands,
  ...evaluateCommands,
  ...explainCommands,
  ...exportCommands,
  ...guidanceCommands,
  doctor: {
    summary: 'show the engine of each role (frozen passes, training) here, and why faster ones were skipped',
    help: 'usage: transfer-lab doctor [--engine auto|tfjs-node-gpu|tfjs-node|wasm|cpu] [--frozen auto|onnxruntime|tfjs] [--json]',
    options: { ...json, engine: { type: 'string', default: 'auto' }, frozen: { type: 'string' } },
    async run(values) {
      const result = await runCliJob('doctor', { engine: values.engine, ...(values.frozen ? { frozen: values.frozen } : {}) });
      if (values.json) printJson(result);
      else process.stdout.write(formatDoctor(result));
      return 0;
    },
  },
};
