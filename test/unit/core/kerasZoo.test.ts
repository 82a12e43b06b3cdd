import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findKerasZooEntry, KERAS_ZOO } from '../../../src/core/kerasZoo';
import { FAMILY_DEFAULTS, findZooEntry } from '../../../src/core/zooCatalog';

const BASE = 'https://storage.googleapis.com/tensorflow/keras-applications/';

describe('Keras applications in the zoo', () => {
  // URLs and md5s as keras/src/applications/{vgg16,resnet,mobilenet_v2}.py have them (MobileNetV2: no file_hash).
  const entries: [string, string, string, string | undefined][] = [
    ['vgg16_keras', 'vgg16', 'vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
      '6d6bbae143d832006294945121d1f1fc'],
    ['resnet50_keras', 'resnet50', 'resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5',
      '4d473c1dd8becc155b73f8504c6f6626'],
    ...['0.35', '0.5', '0.75', '1.0', '1.3', '1.4'].map((a): [string, string, string, undefined] => [
      `mobilenet_v2_${a}_224_keras`, 'mobilenet_v2',
      `mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${a}_224_no_top.h5`, undefined]),
  ];
  it('lists VGG16, ResNet50 and MobileNetV2 at the six widths Keras has weights for', () => {
    assert.deepEqual(KERAS_ZOO.map((e) => e.id), entries.map((e) => e[0]));
  });
  for (const [id, application, file, md5] of entries) {
    it(`${id}: ${file}${md5 ? `, md5 ${md5}` : ', no published digest'}`, () => {
      const e = findKerasZooEntry(id)!;
      assert.equal(e.kind, 'keras-application');
      assert.equal(e.application, application);
      assert.deepEqual(e.weights, md5 ? { url: BASE + file, md5 } : { url: BASE + file });
      assert.equal(e.inputSize, 224);
      assert.equal(e.hasImagenetTop, false);
      // The cut is Keras' notop output, and the preprocessing Keras' preprocess_input for the family.
      assert.equal(e.defaultCut, FAMILY_DEFAULTS[e.family].defaultCut);
      assert.equal(e.preprocessing, FAMILY_DEFAULTS[e.family].preprocessing);
      // Not in the TF.js zoo that loadBackbone reads (yet): an id never resolves to a model.json URL.
      assert.equal(findZooEntry(id), undefined);
    });
  }
  it('reads alpha as a number: 0.50 finds 0.5, 1 finds 1.0; other widths and sizes find nothing', () => {
    assert.equal(findKerasZooEntry('mobilenet_v2_0.50_224_keras')?.alpha, 0.5);
    assert.equal(findKerasZooEntry('mobilenet_v2_1_224_keras')?.id, 'mobilenet_v2_1.0_224_keras');
    assert.equal(findKerasZooEntry('mobilenet_v2_0.25_224_keras'), undefined);
    assert.equal(findKerasZooEntry('mobilenet_v2_0.35_192_keras'), undefined);
    assert.equal(findKerasZooEntry('mobilenet_v2_0.35_224'), undefined);
  });
  it('preprocesses VGG16 and ResNet50 in Keras\' caffe mode and MobileNetV2 to [-1, 1]', () => {
    assert.deepEqual(KERAS_ZOO.map((e) => e.preprocessing),
      ['caffe', 'caffe', 'minus1to1', 'minus1to1', 'minus1to1', 'minus1to1', 'minus1to1', 'minus1to1']);
  });
});
