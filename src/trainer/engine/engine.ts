// Loads the first tfjs engine that works here: tfjs-node-gpu, tfjs-node, wasm, then cpu.
// The native packages are optionalDependencies whose installers download libtensorflow; offline they are
// simply absent, so each failure is recorded as a reason rather than thrown.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import {
  engineOrder, isEnginePreference, isSlowPath, type EngineInfo, type EnginePreference, type SkippedEngine,
  type WasmStatus,
} from '../../core/engineChoice';
import type { JobContext } from '../runtime/jobContext';
import { registerWasmGradKernels } from './wasmGradKernels';

export type { EngineInfo, SkippedEngine, WasmStatus };

export type Tf = typeof tf;

let loaded: { tf: Tf; info: EngineInfo } | undefined;

/** An error's first line, capped: what a skipped engine's reason shows. */
export function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].slice(0, 300);
}

async function tryNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<string> {
  // The package may be absent (optional dependency), so it is looked up at run time, not typed at build time.
  createRequire(__filename)(pkg);
  if (!(await tf.setBackend('tensorflow'))) throw new Error('the "tensorflow" backend did not initialise');
  return (tf.version as Record<string, string>)['tfjs-node'] ?? tf.version.tfjs;
}

async function tryWasm(): Promise<{ version: string; wasm: WasmStatus }> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const wasmFile = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
  wasm.setWasmPaths(path.dirname(wasmFile) + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
  // wasm lacks three conv gradient kernels; registering ours (composed from wasm's own ops) lets conv layers train on wasm.
  registerWasmGradKernels(tf);
  const status: WasmStatus = {
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    threads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
    threadsCount: wasm.getThreadsCount(),
  };
  return { version: wasm.version_wasm, wasm: status };
}

export async function loadEngine(preference: EnginePreference = 'auto'): Promise<{ tf: Tf; info: EngineInfo }> {
  if (loaded) return loaded;
  const skipped: SkippedEngine[] = [];
  for (const engine of engineOrder(preference)) {
    try {
      let version = tf.version.tfjs;
      let wasm: WasmStatus | undefined;
      if (engine === 'tfjs-node-gpu') version = await tryNative('@tensorflow/tfjs-node-gpu');
      else if (engine === 'tfjs-node') version = await tryNative('@tensorflow/tfjs-node');
      else if (engine === 'wasm') ({ version, wasm } = await tryWasm());
      else if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
      await tf.ready();
      loaded = { tf, info: { engine, backend: tf.getBackend(), version, slowPath: isSlowPath(engine), skipped, wasm } };
      return loaded;
    } catch (e) {
      const missing = (e as { code?: string }).code === 'MODULE_NOT_FOUND' && engine.startsWith('tfjs-node');
      const why = missing
        ? ' (optional dependency not installed: its installer downloads libtensorflow, which failed or was skipped)'
        : '';
      skipped.push({ engine, reason: firstLine(e) + why });
    }
  }
  throw new Error(`No tfjs engine could be loaded: ${skipped.map((s) => `${s.engine}: ${s.reason}`).join('; ')}`);
}

/** What every job does first: load the engine its config asks for (else the fastest) and tell the listener which. */
export async function startEngine(preference: unknown, ctx: JobContext): Promise<{ tf: Tf; info: EngineInfo }> {
  const loaded = await loadEngine(isEnginePreference(preference) ? preference : 'auto');
  ctx.emit({
    type: 'engine',
    engine: loaded.info.engine,
    version: loaded.info.version,
    slowPath: loaded.info.slowPath,
  });
  return loaded;
}
