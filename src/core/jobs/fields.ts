// Config fields several jobs share, with the ranges the CLI's flags allow too (src/trainer/cli/flags.ts keeps its
// own ranges at least as strict, so a value the CLI accepts never fails here).
import { ENGINES, type EnginePreference } from '../engineChoice';
import { FROZEN_PREFERENCES, type FrozenPreference } from '../frozenEngineChoice';
import { literal, numberIn, objectOf, optional, str, wholeIn } from '../validate';

export const RESIZE_MODES = ['cover', 'fill', 'contain'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];
export const HEAD_KINDS = ['recipe', 'linear'] as const;
export type HeadKind = (typeof HEAD_KINDS)[number];
export const ENGINE_PREFERENCES: readonly EnginePreference[] = ['auto', ...ENGINES];

export const fields = {
  engine: optional(literal(...ENGINE_PREFERENCES)),
  /**
   * Threads for forward passes over images; 0 or 1 keeps them on the job's own thread. Absent, the trainer reads
   * TRANSFER_LAB_WORKERS, else picks one per core (up to 4) on wasm and cpu.
   */
  workers: optional(wholeIn(0, 64)),
  /**
   * Where frozen forward passes run: 'auto' tries ONNX Runtime (GPU providers first) and falls back to tfjs with a
   * reason. Absent, the trainer reads TRANSFER_LAB_FROZEN, else 'auto'.
   */
  frozen: optional(literal(...FROZEN_PREFERENCES)),
  batch: optional(wholeIn(1, 4096)),
  size: optional(wholeIn(16, 1024)),
  resize: optional(literal(...RESIZE_MODES)),
  // mulberry32 takes 32 bits.
  seed: optional(wholeIn(0, 0xffffffff)),
  maxPerClass: optional(wholeIn(1)),
  head: optional(literal(...HEAD_KINDS)),
  dropout: optional(numberIn(0, 0.95)),
  /** Where dashboard thumbnails are cached; the extension names one, else a run keeps its own. */
  thumbnailDir: optional(str),
};

/** The defaults of the shared fields. */
export const FIELD_DEFAULTS = { engine: 'auto', batch: 32, resize: 'fill', seed: 42, head: 'recipe' } as const;

/** A file a job left out, and why: in the results of train, evaluate and predict. */
export interface SkippedFile { file: string; reason: string }
export const skippedFile = objectOf<SkippedFile>({ file: str, reason: str });

/** The settings of the jobs that embed a dataset through a backbone: the learning curve, the advisor, the LR finder. */
export const embeddingFields = {
  cut: optional(str), size: fields.size, resize: fields.resize, batch: fields.batch, seed: fields.seed,
  maxPerClass: fields.maxPerClass, cacheDir: optional(str), modelCacheDir: optional(str), engine: fields.engine,
  workers: fields.workers, frozen: fields.frozen,
  /** A JSON file to write the result to, besides returning it. */
  out: optional(str),
};

export interface EmbeddingSettings {
  cut?: string; size?: number; resize: ResizeMode; batch: number; seed: number; maxPerClass?: number;
  cacheDir: string; modelCacheDir?: string; engine: EnginePreference; workers?: number; frozen?: FrozenPreference;
  out?: string;
}

type EmbeddingInput = { [K in keyof typeof embeddingFields]?: ReturnType<(typeof embeddingFields)[K]> };

export function embeddingSettingsOf(c: EmbeddingInput, defaults: { cacheDir: string }): EmbeddingSettings {
  return {
    cut: c.cut, size: c.size, resize: c.resize ?? FIELD_DEFAULTS.resize, batch: c.batch ?? FIELD_DEFAULTS.batch,
    seed: c.seed ?? FIELD_DEFAULTS.seed, maxPerClass: c.maxPerClass, cacheDir: c.cacheDir ?? defaults.cacheDir,
    modelCacheDir: c.modelCacheDir, engine: c.engine ?? FIELD_DEFAULTS.engine, workers: c.workers, frozen: c.frozen,
    out: c.out,
  };
}
