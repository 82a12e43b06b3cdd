import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockOf, detectFamily, findZooEntry, ZOO, type BackboneFamily } from '../../../src/core/zooCatalog';

describe('zoo catalog', () => {
  it('lists MobileNet v1 and v2 at four widths each, with the URLs Google\'s own loaders use', () => {
    assert.deepEqual(ZOO.map((e) => e.id), [
      'mobilenet_v1_0.25_224', 'mobilenet_v1_0.50_224', 'mobilenet_v1_0.75_224', 'mobilenet_v1_1.0_224',
      'mobilenet_v2_0.35_224', 'mobilenet_v2_0.50_224', 'mobilenet_v2_0.75_224', 'mobilenet_v2_1.00_224',
    ]);
    assert.equal(findZooEntry('mobilenet_v1_0.25_224')?.url, 'https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json');
    assert.equal(findZooEntry('mobilenet_v2_0.35_224')?.url,
      'https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/model.json');
    for (const e of ZOO) {
      assert.equal(e.inputSize, 224);
      assert.equal(e.preprocessing, 'minus1to1');
      assert.equal(e.licence, 'Apache-2.0');
      assert.equal(e.defaultCut, e.family === 'mobilenet_v1' ? 'conv_pw_13_relu' : 'out_relu');
      assert.equal(e.hasImagenetTop, e.family === 'mobilenet_v1');
    }
  });

  const lookups: [string, string | undefined][] = [
    ['mobilenet_v2_0.35_224', 'mobilenet_v2_0.35_224'],
    ['mobilenet_v2_1.0_224', 'mobilenet_v2_1.00_224'],
    ['mobilenet_v2_0.5_224', 'mobilenet_v2_0.50_224'],
    ['mobilenet_v1_1.00_224', 'mobilenet_v1_1.0_224'],
    ['mobilenet_v1_0.35_224', undefined],
    ['mobilenet_v2_0.35_192', undefined],
    ['./models/mine', undefined],
  ];
  for (const [id, want] of lookups) it(`finds ${id} → ${want ?? 'nothing'}`, () => assert.equal(findZooEntry(id)?.id, want));

  const families: [string[], BackboneFamily | undefined][] = [
    [['input_1', 'conv1', 'conv_dw_1', 'conv_pw_1', 'conv_pw_13_relu'], 'mobilenet_v1'],
    [['input_1', 'Conv1', 'expanded_conv_project', 'block_1_expand', 'out_relu'], 'mobilenet_v2'],
    [['input_1', 'conv1', 'fire2/squeeze1x1'], 'squeezenet'],
    [['input_1', 'block1_conv1', 'block1_pool', 'block5_conv3', 'block5_pool'], 'vgg'],
    [['input_1', 'conv1_pad', 'conv1_conv', 'conv1_bn', 'conv2_block1_1_conv', 'conv5_block3_out'], 'resnet'],
    // ResNet v2 takes [-1, 1], not Caffe's BGR means: no family rather than the wrong preprocessing.
    [['input_1', 'conv1_pad', 'conv1_conv', 'conv2_block1_preact_bn', 'conv2_block1_1_conv', 'post_relu'], undefined],
    [['dense', 'dense_1'], undefined],
  ];
  for (const [names, family] of families) it(`recognises ${family ?? 'no family'} from ${names.at(-1)}`, () => assert.equal(detectFamily(names), family));

  const blocks: [BackboneFamily | undefined, string, string][] = [
    ['mobilenet_v1', 'input_1', 'stem'],
    ['mobilenet_v1', 'conv1_bn', 'stem'],
    ['mobilenet_v1', 'conv_pad_2', 'block_2'],
    ['mobilenet_v1', 'conv_dw_13_relu', 'block_13'],
    ['mobilenet_v1', 'conv_pw_13', 'block_13'],
    ['mobilenet_v1', 'conv_preds', 'top'],
    ['mobilenet_v2', 'Conv1_pad', 'stem'],
    ['mobilenet_v2', 'bn_Conv1', 'stem'],
    ['mobilenet_v2', 'expanded_conv_depthwise_BN', 'stem'],
    ['mobilenet_v2', 'block_1_pad', 'block_1'],
    ['mobilenet_v2', 'block_16_project_BN', 'block_16'],
    ['mobilenet_v2', 'Conv_1_bn', 'head'],
    ['mobilenet_v2', 'out_relu', 'head'],
    ['squeezenet', 'fire9/expand3x3', 'fire9'],
    ['squeezenet', 'pool3', 'fire3'],
    ['squeezenet', 'pool1', 'stem'],
    ['vgg', 'input_1', 'stem'],
    ['vgg', 'block1_conv1', 'block1'],
    ['vgg', 'block4_pool', 'block4'],
    ['vgg', 'block5_conv1', 'block5'],
    ['resnet', 'input_1', 'stem'],
    ['resnet', 'conv1_pad', 'conv1'],
    ['resnet', 'pool1_pool', 'conv1'],
    ['resnet', 'conv2_block1_0_conv', 'conv2'],
    ['resnet', 'conv4_block6_out', 'conv4'],
    ['resnet', 'conv5_block3_out', 'conv5'],
    [undefined, 'scope/conv/BiasAdd', 'scope'],
    [undefined, 'dense_3', 'dense_3'],
  ];
  for (const [family, layer, block] of blocks) it(`puts ${layer} in ${block}`, () => assert.equal(blockOf(family, layer), block));
});
