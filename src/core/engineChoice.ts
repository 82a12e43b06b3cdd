// Which tfjs engines to try, in order, for a given preference. Pure so the order is unit-tested.

export const ENGINES = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type EngineName = (typeof ENGINES)[number];
export type EnginePreference = 'auto' | EngineName;

export interface SkippedEngine { engine: EngineName; reason: string }
export interface WasmStatus { simd: boolean; threads: boolean; threadsCount: number }
/** The engine that loaded, and why each one tried before it was skipped. */
export interface EngineInfo {
  engine: EngineName;
  backend: string;
  version: string;
  slowPath: boolean;
  skipped: SkippedEngine[];
  wasm?: WasmStatus;
}

/** "auto" tries fastest first; a named engine is tried first, and the rest still follow so a run never fails to start. */
export function engineOrder(preference: EnginePreference): EngineName[] {
  if (preference === 'auto') return [...ENGINES];
  return [preference, ...ENGINES.filter((e) => e !== preference)];
}

export function isSlowPath(engine: EngineName): boolean {
  return engine === 'wasm' || engine === 'cpu';
}

export function isEnginePreference(v: unknown): v is EnginePreference {
  return v === 'auto' || (ENGINES as readonly unknown[]).includes(v);
}
