// The example code a model card shows: Python and Node for an ONNX file, Python (Keras) and TF.js for a Keras
// export. Each decodes and preprocesses as the trainer does, with the run's own numbers, so the card is runnable as
// it stands. Pure, so every preprocessing and resize mode is checked by table.
import type { SavedModelMeta } from './runRecord';

/** Caffe-trained weights take BGR with the ImageNet channel means removed (imagePipeline's CAFFE_BGR_MEANS). */
export const CAFFE_BGR_MEANS = [103.939, 116.779, 123.68] as const;

/** What a snippet needs to know: the run's image settings and classes, and whether the file ends in one sigmoid. */
export type SnippetModel = Pick<SavedModelMeta, 'classes' | 'inputSize' | 'resize' | 'preprocessing'>;

/** PIL: the photo as the trainer resizes it. PIL's Lanczos is not libvips', so pixels may differ by a level or so. */
function pilImage(m: SnippetModel): string {
  const s = m.inputSize;
  const open = 'ImageOps.exif_transpose(Image.open("photo.jpg")).convert("RGB")';
  return {
    fill: `${open}.resize((${s}, ${s}), Image.LANCZOS)`,
    cover: `ImageOps.fit(${open}, (${s}, ${s}), Image.LANCZOS)`,
    contain: `ImageOps.pad(${open}, (${s}, ${s}), Image.LANCZOS, color=(0, 0, 0))`,
  }[m.resize];
}

/** numpy: the batch of one the model takes, from `img`. */
function numpyInput(m: SnippetModel): string {
  return {
    minus1to1: 'np.asarray(img, np.float32)[None] / 127.5 - 1',
    zero1: 'np.asarray(img, np.float32)[None] / 255',
    caffe: `np.asarray(img, np.float32)[None][..., ::-1] - np.float32([${CAFFE_BGR_MEANS.join(', ')}])`,
  }[m.preprocessing];
}

/** Python: onnxruntime with PIL and numpy. */
export function pythonSnippet(m: SnippetModel, onnxName: string): string {
  return [
    'import json, numpy as np, onnxruntime as ort',
    'from PIL import Image, ImageOps',
    `session = ort.InferenceSession(${JSON.stringify(onnxName)})`,
    'classes = json.loads(session.get_modelmeta().custom_metadata_map["classes"])',
    `img = ${pilImage(m)}`,
    `x = ${numpyInput(m)}`,
    'p = session.run(["output"], {"image": x})[0][0]',
    'print(classes[int(p.argmax())], p)',
  ].join('\n');
}

/**
 * Python: Keras (TensorFlow's tf.keras) with PIL and numpy. compile=False: the file holds no training config, and
 * inference needs none. A binary run's file ends in one sigmoid, p = P(classes[1]).
 */
export function kerasPythonSnippet(m: SnippetModel, sigmoid: boolean, h5Name: string): string {
  const last = sigmoid
    ? `print(classes[int(p[0] > 0.5)], p)  # one sigmoid: p[0] = P(${m.classes[1]}), P(${m.classes[0]}) = 1 - p[0]`
    : 'print(classes[int(p.argmax())], p)';
  return [
    'import numpy as np, tensorflow as tf',
    'from PIL import Image, ImageOps',
    `model = tf.keras.models.load_model(${JSON.stringify(h5Name)}, compile=False)`,
    `classes = ${JSON.stringify(m.classes)}`,
    `img = ${pilImage(m)}`,
    `p = model.predict(${numpyInput(m)}, verbose=0)[0]`,
    last,
  ].join('\n');
}

/** sharp, decoding exactly as the trainer does (the same calls, in order), into `x`: a Float32Array, NHWC. */
function sharpInput(m: SnippetModel): string[] {
  const s = m.inputSize;
  const x = m.preprocessing === 'caffe'
    ? [
      `  const means = [${CAFFE_BGR_MEANS.join(', ')}]; // B, G, R`,
      '  const x = new Float32Array(rgb.length);',
      '  for (let i = 0; i < rgb.length; i += 3) for (let c = 0; c < 3; c++) x[i + c] = rgb[i + 2 - c] - means[c];',
    ]
    : [`  const x = Float32Array.from(rgb, (v) => ${m.preprocessing === 'zero1' ? 'v / 255' : 'v / 127.5 - 1'});`];
  return [
    "  const rgb = await sharp(file).rotate().flatten({ background: '#ffffff' }).toColourspace('srgb')",
    `    .resize(${s}, ${s}, { fit: '${m.resize}', position: 'centre', background: '#000000' })`,
    '    .removeAlpha().raw().toBuffer();',
    ...x,
  ];
}

const classifyCall = "classify(process.argv[2] ?? 'photo.jpg').then((r) => console.log(JSON.stringify(r)));";

/** Node: onnxruntime-node with sharp. */
export function nodeSnippet(m: SnippetModel, onnxName: string): string {
  const s = m.inputSize;
  return [
    "const ort = require('onnxruntime-node');",
    "const sharp = require('sharp');",
    `const classes = ${JSON.stringify(m.classes)};`,
    'async function classify(file) {',
    `  const session = await ort.InferenceSession.create(${JSON.stringify(onnxName)});`,
    ...sharpInput(m),
    `  const { output } = await session.run({ image: new ort.Tensor('float32', x, [1, ${s}, ${s}, 3]) });`,
    '  const p = Array.from(output.data);',
    '  return { class: classes[p.indexOf(Math.max(...p))], probabilities: p };',
    '}',
    classifyCall,
  ].join('\n');
}

/**
 * Node: TF.js (tfjs-node) with sharp, on the run's model/ folder, which is a TF.js layers model already. `modelJson`
 * is resolved against the script's folder, so a path relative to the card works from beside it.
 */
export function tfjsSnippet(m: SnippetModel, sigmoid: boolean, modelJson: string): string {
  const s = m.inputSize;
  const output = sigmoid
    ? [
      `  const [q] = await model.predict(tf.tensor4d(x, [1, ${s}, ${s}, 3])).data(); // one sigmoid: P(${m.classes[1]})`,
      '  const p = [1 - q, q];',
    ]
    : [`  const p = Array.from(await model.predict(tf.tensor4d(x, [1, ${s}, ${s}, 3])).data());`];
  return [
    "const path = require('path');",
    "const tf = require('@tensorflow/tfjs-node');",
    "const sharp = require('sharp');",
    `const classes = ${JSON.stringify(m.classes)};`,
    'async function classify(file) {',
    `  const model = await tf.loadLayersModel('file://' + path.resolve(__dirname, ${JSON.stringify(modelJson)}));`,
    ...sharpInput(m),
    ...output,
    '  return { class: classes[p.indexOf(Math.max(...p))], probabilities: p };',
    '}',
    classifyCall,
  ].join('\n');
}
