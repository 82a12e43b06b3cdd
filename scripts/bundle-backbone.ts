// Writes models/mobilenet_v2_0.35_224/, the backbone shipped inside the package so that the first run needs no
// download. Run once by a developer (the result is committed): `node --import tsx scripts/bundle-backbone.ts <tm-export>`
// where <tm-export> is a Teachable Machine image-model export (model.json + weights.bin). Its layers[0] is Keras'
// MobileNetV2 alpha 0.35 with ImageNet weights, frozen, the same weights as the zoo's
// mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top model; only the part up to `out_relu` is kept
// (no pooling, no head), which is what the zoo's no_top file holds. Writes model.json, weights.bin, and prints the
// digest to pin in src/core/zooCatalog.ts.
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { flattenModel } from '../src/trainer/model/modelFlatten';
import { fileSystemSaver, readModelArtifacts } from '../src/trainer/model/modelFiles';

async function main(source: string, out: string): Promise<void> {
  const full = await tf.loadLayersModel(tf.io.fromMemory(await readModelArtifacts(source)));
  const graph = flattenModel(full);
  const cut = graph.byName.get('out_relu');
  if (!cut) throw new Error(`${source} has no out_relu layer: not a MobileNetV2 export`);
  const backbone = tf.model({ inputs: cut.owner.inputs, outputs: cut.outputs[0], name: 'mobilenetv2_0.35_224' });
  await backbone.save(fileSystemSaver(out));
  const hash = createHash('sha256');
  for (const f of ['model.json', 'weights.bin']) hash.update(readFileSync(path.join(out, f)));
  console.log(`${out}: ${backbone.layers.length} layers, ${backbone.countParams()} parameters, sha256 ${hash.digest('hex')}`);
}

const [source, out = 'models/mobilenet_v2_0.35_224'] = process.argv.slice(2);
if (!source) {
  console.error('usage: node --import tsx scripts/bundle-backbone.ts <teachable-machine-export-folder> [out]');
  process.exit(2);
}
main(source, out).catch((e) => {
  console.error(e);
  process.exit(1);
});
