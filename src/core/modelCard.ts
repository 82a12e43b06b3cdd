// What an exported model says about itself: the ONNX file's metadata_props and the model card (README.md) beside it.
// Both come from the run's saved-model metadata, so a user of the .onnx file never has to guess the class order, the
// input range or how the photo was resized. Pure, so every preprocessing and resize mode is checked by table.
import type { ExportVerification } from './jobs/exportModel';
import type { ResizeMode } from './jobs/fields';
import { EXPORT_FILES } from './runFiles';
import type { EpochRecord, SavedModelMeta } from './runRecord';
import type { Preprocessing } from './zooCatalog';

/** What the export knows about the model, from the run's model/ metadata and run.json. */
export interface ExportedModel extends SavedModelMeta {
  runId: string;
  /** The saved model ends in one sigmoid p = P(classes[1]); the file outputs [1 − p, p]. */
  binaryExpanded: boolean;
}

/** Caffe-trained weights take BGR with the ImageNet channel means removed (imagePipeline's CAFFE_BGR_MEANS). */
const CAFFE_BGR_MEANS = [103.939, 116.779, 123.68] as const;

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

/** The file's metadata_props: every value a string, lists as JSON. */
export function onnxMetadata(m: ExportedModel): Record<string, string> {
  return {
    producer: 'Transfer Lab',
    run_id: m.runId,
    classes: JSON.stringify(m.classes),
    output: 'probabilities, one per class in the order of classes; they sum to 1',
    input_layout: 'NHWC',
    input_size: String(m.inputSize),
    resize: m.resize,
    preprocessing: m.preprocessing,
    preprocessing_formula: preprocessingFormula(m.preprocessing),
    ...(m.backbone ? { backbone: backboneName(m.backbone) } : {}),
    ...(m.cut ? { cut: m.cut } : {}),
    ...(m.binaryExpanded
      ? { binary: `the trained model's sigmoid p = P(${m.classes[1]}) is output as [1 - p, p]` }
      : {}),
  };
}

/**
 * The card's file name: README.md in the run's own export folder; beside an .onnx elsewhere `<name>.README.md`, so
 * an export into a project folder never replaces that project's README.
 */
export function modelCardName(onnxName: string, inRunExportFolder: boolean): string {
  if (inRunExportFolder && onnxName === EXPORT_FILES.onnx) return EXPORT_FILES.card;
  return `${onnxName.replace(/\.onnx$/i, '')}.README.md`;
}

/** Python: onnxruntime with PIL and numpy. PIL's Lanczos is not libvips', so pixels may differ by a level or so. */
export function pythonSnippet(m: ExportedModel, onnxName: string): string {
  const s = m.inputSize;
  const open = 'ImageOps.exif_transpose(Image.open("photo.jpg")).convert("RGB")';
  const image = {
    fill: `${open}.resize((${s}, ${s}), Image.LANCZOS)`,
    cover: `ImageOps.fit(${open}, (${s}, ${s}), Image.LANCZOS)`,
    contain: `ImageOps.pad(${open}, (${s}, ${s}), Image.LANCZOS, color=(0, 0, 0))`,
  }[m.resize];
  const x = {
    minus1to1: 'np.asarray(img, np.float32)[None] / 127.5 - 1',
    zero1: 'np.asarray(img, np.float32)[None] / 255',
    caffe: `np.asarray(img, np.float32)[None][..., ::-1] - np.float32([${CAFFE_BGR_MEANS.join(', ')}])`,
  }[m.preprocessing];
  return [
    'import json, numpy as np, onnxruntime as ort',
    'from PIL import Image, ImageOps',
    `session = ort.InferenceSession(${JSON.stringify(onnxName)})`,
    'classes = json.loads(session.get_modelmeta().custom_metadata_map["classes"])',
    `img = ${image}`,
    `x = ${x}`,
    'p = session.run(["output"], {"image": x})[0][0]',
    'print(classes[int(p.argmax())], p)',
  ].join('\n');
}

/** Node: onnxruntime-node with sharp, decoding exactly as the trainer does (the same sharp calls, in order). */
export function nodeSnippet(m: ExportedModel, onnxName: string): string {
  const s = m.inputSize;
  const x = m.preprocessing === 'caffe'
    ? [
      `  const means = [${CAFFE_BGR_MEANS.join(', ')}]; // B, G, R`,
      '  const x = new Float32Array(rgb.length);',
      '  for (let i = 0; i < rgb.length; i += 3) for (let c = 0; c < 3; c++) x[i + c] = rgb[i + 2 - c] - means[c];',
    ]
    : [`  const x = Float32Array.from(rgb, (v) => ${m.preprocessing === 'zero1' ? 'v / 255' : 'v / 127.5 - 1'});`];
  return [
    "const ort = require('onnxruntime-node');",
    "const sharp = require('sharp');",
    `const classes = ${JSON.stringify(m.classes)};`,
    'async function classify(file) {',
    `  const session = await ort.InferenceSession.create(${JSON.stringify(onnxName)});`,
    "  const rgb = await sharp(file).rotate().flatten({ background: '#ffffff' }).toColourspace('srgb')",
    `    .resize(${s}, ${s}, { fit: '${m.resize}', position: 'centre', background: '#000000' })`,
    '    .removeAlpha().raw().toBuffer();',
    ...x,
    `  const { output } = await session.run({ image: new ort.Tensor('float32', x, [1, ${s}, ${s}, 3]) });`,
    '  const p = Array.from(output.data);',
    '  return { class: classes[p.indexOf(Math.max(...p))], probabilities: p };',
    '}',
    "classify(process.argv[2] ?? 'photo.jpg').then((r) => console.log(JSON.stringify(r)));",
  ].join('\n');
}

export interface ModelCardInput {
  model: ExportedModel;
  onnxName: string;
  bytes: number;
  opset: number;
  mode: string;
  dataset: string;
  best?: EpochRecord;
  epochs: number;
  verification: ExportVerification;
  exportedAt: string;
}

const fixed = (v: number, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : String(v));

export function verificationText(v: ExportVerification): string {
  if (v.status === 'skipped') return `Not verified: ${v.reason ?? 'no reason recorded'}.`;
  const agree = Math.round((v.argmaxAgreement ?? 0) * v.images);
  const skipped = v.skipped.length
    ? ` ${v.skipped.length} validation images were left out (missing, changed since prepare, or undecodable).`
    : '';
  return `ONNX Runtime (${v.runtime ?? 'unknown version'}) against the TF.js model (${v.reference ?? 'tfjs'}), ` +
    `on the same ${v.images} decoded validation images of the run's dataset: the largest difference in any class ` +
    `probability is ${(v.maxAbsDiff ?? 0).toExponential(2)} (at most ${v.tolerance} allowed), and the most likely ` +
    `class is the same on ${agree} of ${v.images}.${skipped}`;
}

export function modelCard(c: ModelCardInput): string {
  const m = c.model;
  const s = m.inputSize;
  const b = c.best;
  const binary = m.binaryExpanded
    ? [
      '',
      `The trained model ends in one sigmoid, p = P(${m.classes[1]}); the export adds the two nodes that make its ` +
        `output [1 - p, p], so \`output[:, 1]\` is P(${m.classes[1]}) and \`output[:, 0]\` is P(${m.classes[0]}).`,
    ]
    : [];
  return [
    `# ${m.runId}: ONNX model card`,
    '',
    `\`${c.onnxName}\` (${(c.bytes / 1e6).toFixed(2)} MB, ONNX opset ${c.opset}) is the backbone and head of the ` +
      `Transfer Lab run \`${m.runId}\` (${c.mode}${m.backbone ? `, backbone ${backboneName(m.backbone)}` : ''}` +
      `${m.cut ? ` cut at ${m.cut}` : ''}) as one graph: a preprocessed image in, class probabilities out. ` +
      `Exported ${c.exportedAt}.`,
    '',
    '## Classes',
    '',
    `\`output\`: float32 [N, ${m.classes.length}], the probability of each class in this order (each row sums to 1):`,
    '',
    '| index | class |',
    '| --- | --- |',
    ...m.classes.map((name, i) => `| ${i} | ${name} |`),
    ...binary,
    '',
    '## Input',
    '',
    `\`image\`: float32 [N, ${s}, ${s}, 3], NHWC (batch, height, width, channel).`,
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
    verificationText(c.verification),
    '',
    '## Python (onnxruntime, Pillow, numpy)',
    '',
    "Pillow's Lanczos differs from libvips' by a level or so per pixel, so probabilities may differ slightly from " +
      "Transfer Lab's; the Node example decodes exactly as training did.",
    '',
    '```python',
    pythonSnippet(m, c.onnxName),
    '```',
    '',
    '## Node (onnxruntime-node, sharp)',
    '',
    '```js',
    nodeSnippet(m, c.onnxName),
    '```',
    '',
    '## Metadata',
    '',
    "The file's `metadata_props` (in Python `session.get_modelmeta().custom_metadata_map`):",
    '',
    ...Object.entries(onnxMetadata(m)).map(([k, v]) => `- \`${k}\`: ${v}`),
    '',
  ].join('\n');
}
