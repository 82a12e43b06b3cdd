// ONNX Runtime for the frozen forward passes. onnxruntime-node is an optional dependency (a native addon per
// platform), so it is looked up at run time and every way it can fail becomes a reason, never a crash: the job then
// runs its frozen passes on tfjs as before.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  frozenOrder, providerOf, type FrozenEngineInfo, type FrozenEngineName, type FrozenPreference, type OrtProvider,
  type SkippedFrozenEngine,
} from '../../core/frozenEngineChoice';
import { firstLine } from './engine';

/** The part of onnxruntime-node's API the product uses; typed here so the build never needs the package. */
export interface OrtTensor { data: unknown; dims: readonly number[]; type: string }
export interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface OrtModule {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
  env: { versions?: { common?: string; node?: string } };
}

export interface OrtLoad { ort: OrtModule; version: string; packageDir: string }

let cached: OrtLoad | { error: string } | undefined;

/** onnxruntime-node, or the one-line reason it cannot load here. */
export function loadOrt(): OrtLoad | { error: string } {
  if (cached) return cached;
  try {
    const req = createRequire(__filename);
    const ort = req('onnxruntime-node') as OrtModule;
    const packageDir = path.dirname(req.resolve('onnxruntime-node/package.json'));
    const version = (req('onnxruntime-node/package.json') as { version: string }).version;
    cached = { ort, version, packageDir };
  } catch (e) {
    const missing = (e as { code?: string }).code === 'MODULE_NOT_FOUND';
    cached = {
      error: missing ? 'onnxruntime-node is not installed (an optional dependency)' : `onnxruntime-node did not load: ${firstLine(e)}`,
    };
  }
  return cached;
}

/** Why a provider cannot work before trying it: CUDA's libraries are a separate download the .npmrc skips. */
export function providerPrecheck(provider: OrtProvider, packageDir: string): string | undefined {
  if (provider !== 'cuda') return undefined;
  const bin = path.join(packageDir, 'bin', 'napi-v6', process.platform, process.arch);
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  if (existsSync(path.join(bin, lib))) return undefined;
  return 'the CUDA provider is not installed (onnxruntime-node-install=skip in .npmrc; see the README to enable it)';
}

export function cores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

export interface OpenedSession { session: OrtSession; info: FrozenEngineInfo; ort: OrtModule }

/**
 * A session for `model` on the fastest provider that accepts it, with intra-op threads = cores (one session using
 * every core measured faster than one single-threaded session per core). Undefined with the reasons when none
 * does, or when tfjs is asked for: the caller then runs the pass on tfjs.
 */
export async function openOrtSession(
  model: Uint8Array, preference: FrozenPreference, threads = cores(),
): Promise<OpenedSession | { skipped: SkippedFrozenEngine[] }> {
  const skipped: SkippedFrozenEngine[] = [];
  const order = frozenOrder(preference, process.platform).filter((e): e is Exclude<FrozenEngineName, 'tfjs'> => e !== 'tfjs');
  const loaded = loadOrt();
  if ('error' in loaded) return { skipped: order.map((engine) => ({ engine, reason: loaded.error })) };
  for (const engine of order) {
    const provider = providerOf(engine)!;
    const pre = providerPrecheck(provider, loaded.packageDir);
    if (pre) {
      skipped.push({ engine, reason: pre });
      continue;
    }
    try {
      const session = await loaded.ort.InferenceSession.create(model, {
        executionProviders: [provider], intraOpNumThreads: threads, interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        // Idle intra-op threads otherwise spin for the next batch, taking the cores sharp needs to decode it:
        // measured 128–138 → 283–291 img/s decode + forward on 2 cores (bench/decode.ts).
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      });
      return { session, ort: loaded.ort, info: { engine, version: loaded.version, skipped } };
    } catch (e) {
      skipped.push({ engine, reason: firstLine(e) });
    }
  }
  return { skipped };
}
