// Which engine runs the frozen forward passes (embeddings, activations below the unfreeze point, evaluate,
// predict), in order of preference. ONNX Runtime is 5–9× faster than tfjs wasm on a CPU and reaches GPUs tfjs cannot,
// but it only runs what the converter can write, so tfjs is always the last resort. Pure, so the order is tested.

export const ORT_PROVIDERS = ['cuda', 'dml', 'coreml', 'cpu'] as const;
export type OrtProvider = (typeof ORT_PROVIDERS)[number];
export const FROZEN_ENGINES = ['onnxruntime-cuda', 'onnxruntime-dml', 'onnxruntime-coreml', 'onnxruntime-cpu', 'tfjs'] as const;
export type FrozenEngineName = (typeof FROZEN_ENGINES)[number];
export const FROZEN_PREFERENCES = ['auto', 'onnxruntime', 'tfjs'] as const;
export type FrozenPreference = (typeof FROZEN_PREFERENCES)[number];

export interface SkippedFrozenEngine { engine: FrozenEngineName; reason: string }
export interface FrozenEngineInfo {
  engine: FrozenEngineName;
  /** onnxruntime-node's version, or tfjs' for the tfjs engine. */
  version: string;
  /** Why each faster engine was not used, fastest first. */
  skipped: SkippedFrozenEngine[];
}

/** GPU providers exist only in some platforms' builds: DirectML on Windows, CoreML on macOS, CUDA on Linux/Windows. */
export function providersFor(platform: string): OrtProvider[] {
  if (platform === 'win32') return ['cuda', 'dml', 'cpu'];
  if (platform === 'darwin') return ['coreml', 'cpu'];
  return ['cuda', 'cpu'];
}

/** Fastest first; 'tfjs' asks for tfjs only, and every ONNX Runtime order ends in tfjs so a job always runs. */
export function frozenOrder(preference: FrozenPreference, platform: string): FrozenEngineName[] {
  if (preference === 'tfjs') return ['tfjs'];
  return [...providersFor(platform).map((p) => `onnxruntime-${p}` as FrozenEngineName), 'tfjs'];
}

export function providerOf(engine: FrozenEngineName): OrtProvider | undefined {
  return engine === 'tfjs' ? undefined : (engine.slice('onnxruntime-'.length) as OrtProvider);
}

export function isFrozenPreference(v: unknown): v is FrozenPreference {
  return (FROZEN_PREFERENCES as readonly unknown[]).includes(v);
}
