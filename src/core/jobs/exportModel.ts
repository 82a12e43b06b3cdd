// The `export` job's contract: a completed run's inference model (backbone + head) as one ONNX file with a model
// card beside it, checked against the TF.js model on the run's validation images before it is kept.
import type { EnginePreference } from '../engineChoice';
import {
  arrayOf, bool, literal, nullable, num, object, objectOf, optional, recordOf, str, wholeIn, type Checked,
} from '../validate';
import type { JobContract } from './contract';
import { FIELD_DEFAULTS, fields, skippedFile, type SkippedFile } from './fields';

export const EXPORT_FORMATS = ['onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * The largest difference in any class probability between ONNX Runtime and TF.js that still counts as the same model.
 * Float32 rounding through a MobileNet measured below 1e-6 on probabilities; a wrong conversion (a transposed
 * kernel, a dropped BatchNorm epsilon) moves them by 1e-2 or more.
 */
export const EXPORT_TOLERANCE = 1e-4;
/** Validation images the check runs on when the config does not say: enough to see every class, quick on a CPU. */
export const EXPORT_VERIFY_IMAGES = 500;

const input = object({
  /** The folder of a completed run. */
  runDir: str,
  format: optional(literal(...EXPORT_FORMATS)),
  /** The .onnx file to write; default <run>/export/model.onnx. */
  out: optional(str),
  /** How many of the run's validation images check the export against TF.js; 0 skips the check. */
  verifyImages: optional(wholeIn(0, 100_000)),
  batch: fields.batch, engine: fields.engine, workers: fields.workers,
});
export type ExportConfigInput = Checked<typeof input>;
export interface ExportConfig {
  runDir: string;
  format: ExportFormat;
  out?: string;
  verifyImages: number;
  batch: number;
  engine: EnginePreference;
  workers?: number;
}

/** ONNX Runtime against TF.js on the same decoded validation images. */
export interface ExportVerification {
  /** 'passed': every probability within `tolerance` and the same class on top; 'skipped': not run, see `reason`. */
  status: 'passed' | 'skipped';
  reason?: string;
  /** Images both ran on. */
  images: number;
  maxAbsDiff?: number;
  /** The fraction of images whose most likely class is the same in both. */
  argmaxAgreement?: number;
  tolerance: number;
  /** What ran the file: 'onnxruntime-node 1.30.0 (CPU provider)'. */
  runtime?: string;
  /** What it was compared with: 'tfjs wasm'. */
  reference?: string;
  /** Validation images that could not be decoded. */
  skipped: SkippedFile[];
  seconds: number;
}

export interface ExportResult {
  runId: string;
  runDir: string;
  format: ExportFormat;
  /** The .onnx file. */
  out: string;
  /** Its model card (Markdown). */
  modelCard: string;
  bytes: number;
  inputName: string;
  outputName: string;
  /** NHWC, the batch null. */
  inputShape: (number | null)[];
  /** [null, classes]: always one probability per class. */
  outputShape: (number | null)[];
  classes: string[];
  /** A binary run's single sigmoid p, written as the two outputs [1 − p, p]. */
  binaryExpanded: boolean;
  /** What the file's metadata_props hold. */
  metadata: Record<string, string>;
  verification: ExportVerification;
  seconds: number;
}

export const exportModel: JobContract<ExportConfigInput, ExportConfig, ExportResult> = {
  input,
  config(raw) {
    const c = input(raw, 'config');
    return {
      ...c, format: c.format ?? 'onnx', verifyImages: c.verifyImages ?? EXPORT_VERIFY_IMAGES,
      batch: c.batch ?? FIELD_DEFAULTS.batch, engine: c.engine ?? FIELD_DEFAULTS.engine,
    };
  },
  result: objectOf<ExportResult>({
    runId: str, runDir: str, format: literal(...EXPORT_FORMATS), out: str, modelCard: str, bytes: num,
    inputName: str, outputName: str, inputShape: arrayOf(nullable(num)), outputShape: arrayOf(nullable(num)),
    classes: arrayOf(str), binaryExpanded: bool, metadata: recordOf(str),
    verification: objectOf<ExportVerification>({
      status: literal('passed', 'skipped'), reason: optional(str), images: num, maxAbsDiff: optional(num),
      argmaxAgreement: optional(num), tolerance: num, runtime: optional(str), reference: optional(str),
      skipped: arrayOf(skippedFile), seconds: num,
    }),
    seconds: num,
  }),
};
