// The TF.js builders against Keras' own applications: layer names and order, classes, the configs that fix the
// computation, weight names and shapes, parameter counts and output shapes, as Keras 3.15.1 reports them
// (test/fixtures/keras/reference); and the blocks the freeze table and fine-tuning read from those names.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { blocksOf, topBlock } from '../../../../../src/core/zooLadder';
import { loadEngine, type Tf } from '../../../../../src/trainer/engine/engine';
import { LayersBackbone } from '../../../../../src/trainer/model/backbone';
import { buildKerasApplication } from '../../../../../src/trainer/model/keras/applications/kerasApplications';
import { correctPad, makeDivisible } from '../../../../../src/trainer/model/keras/applications/mobilenetV2';
import { readReference, type KerasReference } from './kerasReference';

let tf: Tf;

const camel = (k: string) => k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

/** Every difference between our model and Keras' description of its own, as lines; empty when none. */
function differences(model: tfType.LayersModel, ref: KerasReference): string[] {
  const out: string[] = [];
  // Keras 3 names its Input 'input_layer_<n>'; ours is Keras 2's 'input_1', as the published exports have it.
  const ours = model.layers.map((l) => l.name);
  const theirs = ref.layers.map((l, i) => (i === 0 && l.class === 'InputLayer' ? 'input_1' : l.name));
  if (ours.join() !== theirs.join()) {
    const at = ours.findIndex((n, i) => n !== theirs[i]);
    out.push(`layer ${at}: ours ${ours.slice(at, at + 3).join(', ')}; Keras ${theirs.slice(at, at + 3).join(', ')}`);
  }
  ref.layers.forEach((k, i) => {
    const layer = model.layers[i];
    if (!layer) return;
    if (layer.getClassName() !== k.class) out.push(`${k.name}: ${layer.getClassName()}, Keras ${k.class}`);
    const config = layer.getConfig() as Record<string, unknown>;
    for (const [key, want] of Object.entries(k.config)) {
      if (k.class === 'ZeroPadding2D') continue;
      const got = config[camel(key)];
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        out.push(`${k.name}.${key}: ${JSON.stringify(got)}, Keras ${JSON.stringify(want)}`);
      }
    }
    if (k.padding2d && JSON.stringify(config.padding) !== JSON.stringify(k.padding2d)) {
      out.push(`${k.name}.padding: ${JSON.stringify(config.padding)}, Keras ${JSON.stringify(k.padding2d)}`);
    }
    // Keras 3 calls a depthwise kernel 'kernel'; Keras 2 (whose files we load) and TF.js 'depthwise_kernel'.
    const weights = layer.weights.map((w) => `${w.originalName} ${w.shape.join('×')}`).join(', ');
    const want = k.weights
      .map((w) => `${k.class === 'DepthwiseConv2D' ? w.name.replace(/\/kernel$/, '/depthwise_kernel') : w.name} ` +
        w.shape.join('×'))
      .join(', ');
    if (weights !== want) out.push(`${k.name} weights: ${weights}; Keras ${want}`);
  });
  return out;
}

describe('Keras applications in TF.js layers', () => {
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
  });

  const references: [string, string][] = [
    ['vgg16_224', 'VGG16, 224 px'],
    ['resnet50_224', 'ResNet50, 224 px'],
    ['mobilenet_v2_224_0.35', 'MobileNetV2 alpha 0.35, 224 px (even sizes: correct_pad (0, 1))'],
    ['mobilenet_v2_224_1.0', 'MobileNetV2 alpha 1.0, 224 px'],
    ['mobilenet_v2_224_1.4', 'MobileNetV2 alpha 1.4, 224 px (Conv_1 widened to 1792)'],
    ['mobilenet_v2_97_0.35', 'MobileNetV2 alpha 0.35, 97 px (odd sizes: correct_pad (1, 1))'],
  ];
  for (const [id, what] of references) {
    it(`${what}: every layer, config and weight as Keras builds it`, () => {
      const ref = readReference(id);
      const model = buildKerasApplication(tf, ref.app, {
        inputSize: ref.size, ...(ref.app === 'mobilenet_v2' ? { alpha: ref.alpha } : {}),
      });
      try {
        assert.deepEqual(differences(model, ref), []);
        assert.equal(model.countParams(), ref.params);
        assert.deepEqual(model.outputs[0].shape, [null, ...ref.outputShape.slice(1)]);
      } finally {
        model.dispose();
      }
    });
  }

  // Keras 3.15.1's count_params() for include_top=False at 224 px (the 0.35 and 1.0 ones are also the counts
  // of Keras' published tables less the 1000-class classifier: 1,691,208 and 3,538,984 with it).
  const params: [string, number | undefined, number, number[]][] = [
    ['vgg16', undefined, 14_714_688, [7, 7, 512]],
    ['resnet50', undefined, 23_587_712, [7, 7, 2048]],
    ['mobilenet_v2', 0.35, 410_208, [7, 7, 1280]],
    ['mobilenet_v2', 0.5, 706_224, [7, 7, 1280]],
    ['mobilenet_v2', 0.75, 1_382_064, [7, 7, 1280]],
    ['mobilenet_v2', 1.0, 2_257_984, [7, 7, 1280]],
    ['mobilenet_v2', 1.3, 3_766_048, [7, 7, 1664]],
    ['mobilenet_v2', 1.4, 4_363_712, [7, 7, 1792]],
  ];
  for (const [app, alpha, count, shape] of params) {
    const name = `${app}${alpha === undefined ? '' : ` ${alpha}`}`;
    it(`${name}: ${count.toLocaleString('en')} weights, ${shape.join('×')} out`, () => {
      const model = buildKerasApplication(tf, app as 'vgg16', alpha === undefined ? {} : { alpha });
      assert.equal(model.countParams(), count);
      assert.deepEqual(model.outputs[0].shape, [null, ...shape]);
      model.dispose();
    });
  }

  it('takes any input size from 32 px, and refuses smaller or fractional ones', () => {
    const sizes = [['vgg16', 32, 1], ['resnet50', 33, 2], ['mobilenet_v2', 32, 1], ['mobilenet_v2', 300, 10]] as const;
    for (const [app, size, out] of sizes) {
      const model = buildKerasApplication(tf, app, { inputSize: size });
      assert.deepEqual(model.outputs[0].shape.slice(1, 3), [out, out], `${app} at ${size}`);
      model.dispose();
    }
    assert.throws(() => buildKerasApplication(tf, 'vgg16', { inputSize: 31 }), /from 32, got 31/);
    assert.throws(() => buildKerasApplication(tf, 'resnet50', { inputSize: 100.5 }), /whole number/);
    assert.throws(() => buildKerasApplication(tf, 'resnet50', { alpha: 0.5 }), /resnet50 has no width multiplier/);
  });

  const divisible: [number, number][] = [[11.2, 16], [8.4, 8], [5, 8], [447, 448], [41.6, 40], [20, 24], [1792, 1792]];
  for (const [v, want] of divisible) {
    it(`_make_divisible(${v}, 8) = ${want}`, () => assert.equal(makeDivisible(v), want));
  }

  const pads: [[number, number], [[number, number], [number, number]]][] = [
    [[112, 112], [[0, 1], [0, 1]]],
    [[49, 49], [[1, 1], [1, 1]]],
    [[56, 7], [[0, 1], [1, 1]]],
  ];
  for (const [size, want] of pads) {
    it(`correct_pad(${size.join('×')}, 3) = ${JSON.stringify(want)}`, () => {
      assert.deepEqual(correctPad(size, 3), want);
    });
  }

  // The freeze table's blocks, read from the names by the family's rules (the family found from the names too).
  const blockCases: [string, string, string[], string, string][] = [
    ['vgg16', 'vgg', ['block1', 'block2', 'block3', 'block4', 'block5'], 'block5', 'block5_conv1'],
    ['resnet50', 'resnet', ['conv1', 'conv2', 'conv3', 'conv4', 'conv5'], 'conv5', 'conv5_block1_1_conv'],
    ['mobilenet_v2', 'mobilenet_v2', [...Array.from({ length: 16 }, (_, i) => `block_${i + 1}`), 'head'], 'block_16',
      'block_16_expand'],
  ];
  for (const [app, family, blocks, top, firstTrainable] of blockCases) {
    it(`${app}: blocks ${blocks[0]} … ${blocks.at(-1)}; fine-tuning unfreezes ${top} from ${firstTrainable}`, () => {
      const model = buildKerasApplication(tf, app as 'vgg16', { inputSize: 64 });
      const backbone = new LayersBackbone(`${app}_keras`, model, undefined, { source: `${app}_keras` });
      try {
        assert.equal(backbone.family, family);
        const rows = backbone.layerTable();
        assert.equal(rows[0].block, 'stem');
        assert.deepEqual(blocksOf(rows), blocks);
        assert.equal(topBlock(rows), top);
        const split = backbone.splitAt(top);
        const trainable = split.trainableTop.layers.filter((l) => l.weights.length > 0)[0];
        assert.equal(trainable.name, firstTrainable);
        // The default cut is Keras' notop output.
        assert.equal(backbone.cut, model.layers.at(-1)!.name);
      } finally {
        backbone.dispose();
      }
    });
  }
});
