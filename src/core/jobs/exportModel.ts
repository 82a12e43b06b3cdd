// The `export` job's contract: a completed run's inference model (backbone + head) as one file (ONNX, or a Keras 2
// HDF5 .h5 with a Teachable Machine labels.txt) with a model card beside it, checked against the TF.js model on the
// run's validation images before it is kept.
import type { EnginePreference } from '../engineChoice';
import {
  arrayOf, bool, literal, nullable, num, object, objectOf, optional, recordOf, str, wholeIn, type Checked,
} from '../validate';
import type { JobContract } from './contract';
import { FIELD_DEFAULTS, fields, skippedFile, type SkippedFile } from './fields';

export const EXPORT_FORMATS = ['onnx', 'keras'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * The largest difference in any class probability between ONNX Runtime and TF.js that still counts as the same model.
 * Float32 rounding through a MobileNet measured below 1e-6 on probabilities; a wrong conversion (a transposed
 * kernel, a dropped BatchNorm epsilon) moves them by 1e-2 or more.
 */
export const EXPORT_TOLERANCE = 1e-4;
/**
 * The same bound for the Keras file read back into TF.js: the same weights through the same engine, so anything but
 * float noise (measured 0: the same kernels on the same values) is a file that does not hold the model.
 */
export const KERAS_EXPORT_TOLERANCE = 1e-6;
/** Validation images the check runs on when the config does not say: enough to see every class, quick on a CPU. */
export const EXPORT_VERIFY_IMAGES = 500;

const input = object({
  /** The folder of a completed run. */
  runDir: str,
  format: optional(literal(...EXPORT_FORMATS)),
  /** The file to write; default <run>/export/model.onnx (onnx) or <run>/export/model.h5 (keras). */
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

/**
 * The exported file against TF.js on the same decoded validation images: ONNX, the file in ONNX Runtime; Keras, the
 * .h5 read back into TF.js (loadKerasModel), and `onnx` the read-back model converted to ONNX in ONNX Runtime.
 */
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
  /** Keras: the re-imported .h5 converted to ONNX and run in ONNX Runtime on the same images. */
  onnx?: ExportOnnxCheck;
}

/** The second check of a Keras export: what ONNX Runtime gives for the .h5 as read back, against TF.js. */
export interface ExportOnnxCheck {
  status: 'passed' | 'skipped';
  reason?: string;
  maxAbsDiff?: number;
  argmaxAgreement?: number;
  tolerance: number;
  runtime?: string;
}

export interface ExportResult {
  runId: string;
  runDir: string;
  format: ExportFormat;
  /** The .onnx or .h5 file. */
  out: string;
  /** Its model card (Markdown). */
  modelCard: string;
  /** Keras: the Teachable Machine labels.txt beside the .h5 ("0 cat" per line). */
  labels?: string;
  bytes: number;
  inputName: string;
  outputName: string;
  /** NHWC, the batch null. */
  inputShape: (number | null)[];
  /** ONNX: [null, classes], always one probability per class; Keras: the model's own, [null, 1] for one sigmoid. */
  outputShape: (number | null)[];
  classes: string[];
  /** ONNX: a binary run's single sigmoid p, written as the two outputs [1 − p, p]. A Keras file keeps the sigmoid. */
  binaryExpanded: boolean;
  /** What the file's metadata_props (ONNX) or extra root attributes (Keras) hold. */
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
    runId: str, runDir: str, format: literal(...EXPORT_FORMATS), out: str, modelCard: str, labels: optional(str),
    bytes: num,
    inputName: str, outputName: str, inputShape: arrayOf(nullable(num)), outputShape: arrayOf(nullable(num)),
    classes: arrayOf(str), binaryExpanded: bool, metadata: recordOf(str),
    verification: objectOf<ExportVerification>({
      status: literal('passed', 'skipped'), reason: optional(str), images: num, maxAbsDiff: optional(num),
      argmaxAgreement: optional(num), tolerance: num, runtime: optional(str), reference: optional(str),
      skipped: arrayOf(skippedFile), seconds: num,
      onnx: optional(objectOf<ExportOnnxCheck>({
        status: literal('passed', 'skipped'), reason: optional(str), maxAbsDiff: optional(num),
        argmaxAgreement: optional(num), tolerance: num, runtime: optional(str),
      })),
    }),
    seconds: num,
  }),
};
