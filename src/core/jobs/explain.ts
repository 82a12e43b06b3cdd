// The `explain` job's contract: Grad-CAM overlays for images under a completed run's model (or a model file), with
// every class's probability, written as JPEGs into an output folder.
import type { EnginePreference } from '../engineChoice';
import type { FrozenPreference } from '../frozenEngineChoice';
import { TTA_MODES, type TtaMode } from '../testTimeAugmentation';
import {
  arrayOf, literal, metric, num, numberIn, object, objectOf, optional, str, wholeIn, type Checked,
} from '../validate';
import type { JobContract } from './contract';
import { FIELD_DEFAULTS, fields, skippedFile, type SkippedFile } from './fields';

const input = object({
  /** A completed run folder, or a model file (.h5/.keras/model.json) as predict accepts. */
  runDir: str,
  /** Image files and/or folders (folders searched recursively). */
  images: arrayOf(str),
  /** Where the overlays go; default <runDir>/explain. */
  outDir: optional(str),
  /** The overlay's long side in pixels. */
  size: optional(wholeIn(16, 4096)),
  /** How much of the heatmap covers the image, 0 (none) to 1 (only the heatmap). */
  opacity: optional(numberIn(0, 1)),
  /** The probabilities (not the heatmap, which is of the original view) averaged over these views. */
  tta: optional(literal(...TTA_MODES)),
  /** For a model file: how its pixels are scaled, when the file does not say. */
  preprocessing: optional(literal('minus1to1', 'zero1', 'caffe')),
  // No `workers`: the feature maps come from one frozen pass (ONNX Runtime uses every core) and the gradients run
  // on this thread.
  batch: fields.batch, engine: fields.engine, frozen: fields.frozen,
});
export type ExplainConfigInput = Checked<typeof input>;
export interface ExplainConfig {
  runDir: string; images: string[]; outDir?: string; size: number; opacity: number; tta: TtaMode;
  preprocessing?: 'minus1to1' | 'zero1' | 'caffe';
  batch: number; engine: EnginePreference; frozen?: FrozenPreference;
}

export interface ExplainItem {
  /** Absolute. */
  file: string;
  /** In the order of the result's `classes`. */
  probabilities: number[];
  predicted: string;
  probability: number;
  /** Absolute path of the overlay JPEG. */
  overlay: string;
  /** Where the heatmap is largest, as fractions of the image's width and height. */
  peak: { x: number; y: number };
}

export interface ExplainResult {
  runDir: string;
  classes: string[];
  /** The conv feature map the class score was differentiated with respect to. */
  layer: string;
  items: ExplainItem[];
  skipped: SkippedFile[];
  seconds: number;
}

export const EXPLAIN_DEFAULTS = { size: 320, opacity: 0.5 } as const;

export const explain: JobContract<ExplainConfigInput, ExplainConfig, ExplainResult> = {
  input,
  config(raw) {
    const c = input(raw, 'config');
    return {
      ...c, size: c.size ?? EXPLAIN_DEFAULTS.size, opacity: c.opacity ?? EXPLAIN_DEFAULTS.opacity, tta: c.tta ?? 'none',
      batch: c.batch ?? FIELD_DEFAULTS.batch, engine: c.engine ?? FIELD_DEFAULTS.engine,
    };
  },
  result: objectOf<ExplainResult>({
    runDir: str, classes: arrayOf(str), layer: str,
    items: arrayOf(objectOf<ExplainItem>({
      file: str, probabilities: arrayOf(metric), predicted: str, probability: metric, overlay: str,
      peak: objectOf<{ x: number; y: number }>({ x: metric, y: metric }),
    })),
    skipped: arrayOf(skippedFile), seconds: num,
  }),
};
