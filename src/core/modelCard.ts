// What an exported model says about itself: the ONNX file's metadata_props or the Keras file's extra root attributes,
// a Keras file's labels.txt, and the model card beside the file. All come from the run's saved-model metadata, so a
// user of the file never has to guess the class order, the input range or how the photo was resized; and a Keras
// file's attributes read back into that metadata, so `predict model.h5` runs it as the run ran. Pure, so every
// preprocessing and resize mode is checked by table.
import type { ExportFormat, ExportVerification } from './jobs/exportModel';
import { RESIZE_MODES, type ResizeMode } from './jobs/fields';
import { CAFFE_BGR_MEANS, kerasPythonSnippet, nodeSnippet, pythonSnippet, tfjsSnippet } from './exportSnippets';
import { EXPORT_FILES } from './runFiles';
import type { EpochRecord, SavedModelMeta } from './runRecord';
import type { Preprocessing } from './zooCatalog';

export { kerasPythonSnippet, nodeSnippet, pythonSnippet, tfjsSnippet };

/** What the export knows about the model, from the run's model/ metadata and run.json. */
export interface ExportedModel extends SavedModelMeta {
  runId: string;
  /**
   * The saved model ends in one sigmoid p = P(classes[1]). The ONNX file outputs [1 − p, p]; a Keras file keeps p,
   * as Keras code expects of a binary classifier.
   */
  sigmoid: boolean;
}

const PREPROCESSINGS: readonly Preprocessing[] = ['minus1to1', 'zero1', 'caffe'];

/** The exact formula from 8-bit RGB pixels to the model's input, as the trainer applies it. */
export function preprocessingFormula(p: Preprocessing): string {
  switch (p) {
    case 'minus1to1':
      return 'x = pixel / 127.5 - 1 for each of R, G, B (pixel 0..255 → x in [-1, 1]), channels in RGB order';
    case 'zero1':
      return 'x = pixel / 255 for each of R, G, B (pixel 0..255 → x in [0, 1]), channels in RGB order';
    case 'caffe':
      return `channels reversed to BGR, then x = pixel - mean with means B ${CAFFE_BGR_MEANS[0]}, ` +
        `G ${CAFFE_BGR_MEANS[1]}, R ${CAFFE_BGR_MEANS[2]} (no scaling)`;
  }
}

export function resizeDescription(mode: ResizeMode, size: number): string {
  switch (mode) {
    case 'fill':
      return `stretched to ${size}×${size} (the aspect ratio is not kept)`;
    case 'cover':
      return `scaled so the shorter side is ${size}, then the centre ${size}×${size} cropped`;
    case 'contain':
      return `scaled so the longer side is ${size}, centred on a black ${size}×${size} square`;
  }
}

/** A backbone as the file names it: a zoo id as it is, a local folder or URL by its last part (no home paths). */
export function backboneName(source: string): string {
  const parts = source.replace(/[?#].*$/, '').split(/[\\/]/).filter(Boolean);
  if (parts.length < 2) return source;
  const last = parts[parts.length - 1];
  return /\.json$/i.test(last) ? parts[parts.length - 2] : last;
}

/** What the file holds about itself, every value a string, lists as JSON: keys shared by both formats. */
function describedModel(m: ExportedModel, output: string): Record<string, string> {
  return {
    producer: 'Transfer Lab',
    run_id: m.runId,
    classes: JSON.stringify(m.classes),
    output,
    input_layout: 'NHWC',
    input_size: String(m.inputSize),
    resize: m.resize,
    preprocessing: m.preprocessing,
    preprocessing_formula: preprocessingFormula(m.preprocessing),
    ...(m.backbone ? { backbone: backboneName(m.backbone) } : {}),
    ...(m.cut ? { cut: m.cut } : {}),
  };
}

const PROBABILITIES = 'probabilities, one per class in the order of classes; they sum to 1';

/** The ONNX file's metadata_props. */
export function onnxMetadata(m: ExportedModel): Record<string, string> {
  return {
    ...describedModel(m, PROBABILITIES),
    ...(m.sigmoid ? { binary: `the trained model's sigmoid p = P(${m.classes[1]}) is output as [1 - p, p]` } : {}),
  };
}

/** The Keras file's extra root attributes (Keras reads none of these names; h5py lists them in `f.attrs`). */
export function kerasMetadata(m: ExportedModel): Record<string, string> {
  return describedModel(m, m.sigmoid
    ? `one sigmoid p = P(${m.classes[1]}) per image; P(${m.classes[0]}) = 1 - p`
    : PROBABILITIES);
}

export function exportMetadata(m: ExportedModel, format: ExportFormat): Record<string, string> {
  return format === 'keras' ? kerasMetadata(m) : onnxMetadata(m);
}

/**
 * A Keras file's root attributes read back as saved-model metadata: what `kerasMetadata` wrote, each value checked,
 * and nothing for an attribute that is absent or not what the export writes (a Teachable Machine file has none).
 */
export function metadataFromAttributes(attrs: Readonly<Record<string, string>>): Partial<SavedModelMeta> {
  const out: Partial<SavedModelMeta> = {};
  try {
    const classes: unknown = JSON.parse(attrs.classes ?? 'null');
    if (Array.isArray(classes) && classes.length && classes.every((c) => typeof c === 'string')) out.classes = classes;
  } catch {
    // Not JSON: not ours, so not believed.
  }
  const size = Number(attrs.input_size);
  if (/^\d+$/.test(attrs.input_size ?? '') && size > 0) out.inputSize = size;
  if ((PREPROCESSINGS as readonly string[]).includes(attrs.preprocessing)) {
    out.preprocessing = attrs.preprocessing as Preprocessing;
  }
  if ((RESIZE_MODES as readonly string[]).includes(attrs.resize)) out.resize = attrs.resize as ResizeMode;
  if (attrs.backbone) out.backbone = attrs.backbone;
  if (attrs.cut) out.cut = attrs.cut;
  return out;
}

/** Teachable Machine's labels.txt: "0 cat", "1 dog", one line per output in order, each line ended. */
export function teachableLabels(classes: readonly string[]): string {
  return classes.map((c, i) => `${i} ${c}\n`).join('');
}

/**
 * The card's file name. ONNX: README.md in the run's own export folder; beside an .onnx elsewhere
 * `<name>.README.md`, so an export into a project folder never replaces that project's README. Keras: always
 * `<file>.README.md` (model.h5.README.md), so it never takes the ONNX card's name beside it.
 */
export function modelCardName(fileName: string, inRunExportFolder: boolean, format: ExportFormat = 'onnx'): string {
  if (format === 'keras') return `${fileName}.README.md`;
  if (inRunExportFolder && fileName === EXPORT_FILES.onnx) return EXPORT_FILES.card;
  return `${fileName.replace(/\.onnx$/i, '')}.README.md`;
}

export interface ModelCardInput {
  model: ExportedModel;
  /** 'onnx' unless said. */
  format?: ExportFormat;
  /** The exported file's name. */
  fileName: string;
  bytes: number;
  /** ONNX: the opset the file declares. */
  opset?: number;
  /** Keras: the keras_version the file declares. */
  kerasVersion?: string;
  /** Keras: the input and output layers' names. */
  inputName?: string;
  outputName?: string;
  /** Keras: the run's TF.js model.json, as the card's TF.js example loads it (relative to the card's folder). */
  tfjsModel?: string;
  mode: string;
  dataset: string;
  best?: EpochRecord;
  epochs: number;
  verification: ExportVerification;
  exportedAt: string;
}

const fixed = (v: number, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : String(v));
const exp = (v: number | undefined) => (v ?? 0).toExponential(2);

export function verificationText(v: ExportVerification, format: ExportFormat = 'onnx'): string {
  if (v.status === 'skipped') return `Not verified: ${v.reason ?? 'no reason recorded'}.`;
  const agree = (a: number | undefined) => Math.round((a ?? 0) * v.images);
  const skipped = v.skipped.length
    ? ` ${v.skipped.length} validation images were left out (missing, changed since prepare, or undecodable).`
    : '';
  if (format === 'onnx') {
    return `ONNX Runtime (${v.runtime ?? 'unknown version'}) against the TF.js model (${v.reference ?? 'tfjs'}), ` +
      `on the same ${v.images} decoded validation images of the run's dataset: the largest difference in any class ` +
      `probability is ${exp(v.maxAbsDiff)} (at most ${v.tolerance} allowed), and the most likely ` +
      `class is the same on ${agree(v.argmaxAgreement)} of ${v.images}.${skipped}`;
  }
  const o = v.onnx;
  const onnx = !o
    ? ''
    : o.status === 'passed'
      ? ` Converted to ONNX and run in ONNX Runtime (${o.runtime ?? 'unknown version'}) on the same images: the ` +
        `largest difference is ${exp(o.maxAbsDiff)} (at most ${o.tolerance} allowed), and the most likely class is ` +
        `the same on ${agree(o.argmaxAgreement)} of ${v.images}.`
      : ` Not run in ONNX Runtime: ${o.reason ?? 'no reason recorded'}.`;
  return `The file read back into TF.js (${v.runtime ?? 'tfjs'}) against the run's TF.js model ` +
    `(${v.reference ?? 'tfjs'}), on the same ${v.images} decoded validation images of the run's dataset: the largest ` +
    `difference in any class probability is ${exp(v.maxAbsDiff)} (at most ${v.tolerance} allowed), and the most ` +
    `likely class is the same on ${agree(v.argmaxAgreement)} of ${v.images}.${onnx}${skipped}`;
}

/** The model's classes as a table, and what the output holds. */
function classesSection(m: ExportedModel, format: ExportFormat, outputName: string): string[] {
  const n = m.classes.length;
  const [first, second] = m.classes;
  const output = format === 'onnx'
    ? `\`${outputName}\`: float32 [N, ${n}], the probability of each class in this order (each row sums to 1):`
    : m.sigmoid
      ? `\`${outputName}\`: float32 [N, 1], one sigmoid p = P(${second}) per image (P(${first}) = 1 - p); the classes ` +
        'in output order:'
      : `\`${outputName}\`: float32 [N, ${n}], the probability of each class in this order (each row sums to 1):`;
  const binary = format === 'onnx' && m.sigmoid
    ? [
      '',
      `The trained model ends in one sigmoid, p = P(${second}); the export adds the two nodes that make its ` +
        `output [1 - p, p], so \`output[:, 1]\` is P(${second}) and \`output[:, 0]\` is P(${first}).`,
    ]
    : [];
  const labels = format === 'keras'
    ? ['', `\`${EXPORT_FILES.labels}\` beside the file lists them as Teachable Machine does (\`0 ${first}\` per line).`]
    : [];
  return [
    '## Classes',
    '',
    output,
    '',
    '| index | class |',
    '| --- | --- |',
    ...m.classes.map((name, i) => `| ${i} | ${name} |`),
    ...binary,
    ...labels,
  ];
}

export function modelCard(c: ModelCardInput): string {
  const m = c.model;
  const format = c.format ?? 'onnx';
  const s = m.inputSize;
  const b = c.best;
  const run = `the Transfer Lab run \`${m.runId}\` (${c.mode}${m.backbone ? `, backbone ${backboneName(m.backbone)}` : ''}` +
    `${m.cut ? ` cut at ${m.cut}` : ''})`;
  const mb = (c.bytes / 1e6).toFixed(2);
  const [inputName, outputName] = format === 'onnx' ? ['image', 'output'] : [c.inputName ?? 'input', c.outputName ?? 'output'];
  const intro = format === 'onnx'
    ? `\`${c.fileName}\` (${mb} MB, ONNX opset ${c.opset}) is the backbone and head of ${run} as one graph: a ` +
      'preprocessed image in, class probabilities out.'
    : `\`${c.fileName}\` (${mb} MB) is the backbone and head of ${run} as one Keras model, a Keras 2 full-model HDF5 ` +
      `file (keras_version ${c.kerasVersion ?? 'unknown'}, laid out as \`model.save("x.h5")\` and Teachable Machine ` +
      'write it): a preprocessed image in, class probabilities out.';
  const examples = format === 'onnx'
    ? [
      '## Python (onnxruntime, Pillow, numpy)',
      '',
      "Pillow's Lanczos differs from libvips' by a level or so per pixel, so probabilities may differ slightly from " +
        "Transfer Lab's; the Node example decodes exactly as training did.",
      '',
      '```python',
      pythonSnippet(m, c.fileName),
      '```',
      '',
      '## Node (onnxruntime-node, sharp)',
      '',
      '```js',
      nodeSnippet(m, c.fileName),
      '```',
    ]
    : [
      '## Python (TensorFlow Keras, Pillow, numpy)',
      '',
      "Pillow's Lanczos differs from libvips' by a level or so per pixel, so probabilities may differ slightly from " +
        "Transfer Lab's; the TF.js example decodes exactly as training did." +
        (m.sigmoid ? ` A binary model outputs one sigmoid, p = P(${m.classes[1]}).` : ''),
      '',
      '```python',
      kerasPythonSnippet(m, m.sigmoid, c.fileName),
      '```',
      '',
      '## TF.js (tfjs-node, sharp)',
      '',
      "The run's `model/` folder is this model as TF.js layers files already (model.json and its weights):",
      '',
      '```js',
      tfjsSnippet(m, m.sigmoid, c.tfjsModel ?? 'model/model.json'),
      '```',
    ];
  const metadata = format === 'onnx'
    ? ["The file's `metadata_props` (in Python `session.get_modelmeta().custom_metadata_map`):", '',
      ...Object.entries(onnxMetadata(m)).map(([k, v]) => `- \`${k}\`: ${v}`)]
    : ["The file's extra root attributes (Keras ignores them; in Python `h5py.File(path).attrs`):", '',
      ...Object.entries(kerasMetadata(m)).map(([k, v]) => `- \`${k}\`: ${v}`)];
  return [
    `# ${m.runId}: ${format === 'onnx' ? 'ONNX' : 'Keras'} model card`,
    '',
    `${intro} Exported ${c.exportedAt}.`,
    '',
    ...classesSection(m, format, outputName),
    '',
    '## Input',
    '',
    `\`${inputName}\`: float32 [N, ${s}, ${s}, 3], NHWC (batch, height, width, channel).`,
    '',
    `- Preprocessing \`${m.preprocessing}\`: ${preprocessingFormula(m.preprocessing)}.`,
    `- Resize \`${m.resize}\`: ${resizeDescription(m.resize, s)}.`,
    '- Decoding, as in training: EXIF orientation applied, transparency flattened onto white, converted to 8-bit ' +
      "sRGB, resized with libvips' Lanczos 3 (sharp's default).",
    '',
    '## Metrics (from run.json)',
    '',
    b
      ? `Best epoch ${b.epoch} of ${c.epochs}: val_acc ${fixed(b.valAcc)}, val_loss ${fixed(b.valLoss)}, ` +
        `acc ${fixed(b.acc)}, loss ${fixed(b.loss)}. Dataset: \`${c.dataset}\`.`
      : `No epoch recorded. Dataset: \`${c.dataset}\`.`,
    '',
    '## Verification',
    '',
    verificationText(c.verification, format),
    '',
    ...examples,
    '',
    '## Metadata',
    '',
    ...metadata,
    '',
  ].join('\n');
}
