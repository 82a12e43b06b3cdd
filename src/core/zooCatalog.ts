// The backbones Transfer Lab can download by id, and how to read their layer names.
//
// URLs are the ones Google's own TF.js code loads, checked in source:
// googlecreativelab/teachablemachine-community @ 072e3abc1810cfc9266514c02f278ab00e4a5fcc,
// libraries/image/src/custom-mobilenet.ts (parseModelOptions):
//   v1: https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_${alpha.toFixed(2), "1.00" → "1.0"}_224/model.json,
//       feature layer 'conv_pw_13_relu'
//   v2: https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${alpha.toFixed(2)}_224_no_top/model.json,
//       feature layer 'out_relu'
// The v1 URL is also used verbatim in pato12/ia2018-signer src/ia/mobilenet.js and kostasx/tfjs-mobilenet-offline-model
// README.md. Both are Keras-layers models (so they can be fine-tuned), scaled to [-1, 1] as Keras' MobileNet expects.
// No published digests exist for these files, so `sha256` stays undefined rather than pinned to a guess.

export type Preprocessing = 'minus1to1' | 'zero1' | 'caffe';
/** `vgg` and `resnet` are Keras' VGG16/19 and ResNet v1 (50/101/152), whose layer names the rules below read. */
export type BackboneFamily = 'mobilenet_v1' | 'mobilenet_v2' | 'squeezenet' | 'vgg' | 'resnet';

export interface ZooEntry {
  id: string;
  family: BackboneFamily;
  url: string;
  inputSize: number;
  preprocessing: Preprocessing;
  /** Layer whose output becomes the feature vector (after global average pooling). */
  defaultCut: string;
  licence: string;
  /** sha256 of model.json followed by every shard in manifest order (see modelDownload); undefined when unknown. */
  sha256?: string;
  /** True when the file still carries the 1000-class ImageNet classifier above the cut. */
  hasImagenetTop: boolean;
  /**
   * Shipped inside the package under models/<id>/ (so the first run needs no download): the sha256 of its model.json
   * followed by its weights, checked on every load.
   */
  bundledSha256?: string;
}

const v1 = (alpha: string): ZooEntry => ({
  id: `mobilenet_v1_${alpha}_224`,
  family: 'mobilenet_v1',
  url: `https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_${alpha}_224/model.json`,
  inputSize: 224,
  preprocessing: 'minus1to1',
  defaultCut: 'conv_pw_13_relu',
  licence: 'Apache-2.0',
  hasImagenetTop: true,
});

const v2 = (alpha: string): ZooEntry => ({
  id: `mobilenet_v2_${alpha}_224`,
  family: 'mobilenet_v2',
  url: `https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${alpha}_224_no_top/model.json`,
  inputSize: 224,
  preprocessing: 'minus1to1',
  defaultCut: 'out_relu',
  licence: 'Apache-2.0',
  hasImagenetTop: false,
});

// The URL spells alpha as the source does: v1 writes 1.0 as "1.0", v2 as "1.00"; our ids follow the URLs.
export const ZOO: readonly ZooEntry[] = [
  v1('0.25'), v1('0.50'), v1('0.75'), v1('1.0'),
  // The default backbone ships in the package (models/mobilenet_v2_0.35_224/PROVENANCE.md): about 1.7 MB.
  { ...v2('0.35'), bundledSha256: 'db69225f1ba88d179a63cee096cf9a3176b4f6752a1864c6e6f01072bd57b659' },
  v2('0.50'), v2('0.75'), v2('1.00'),
];

const ID = /^mobilenet_(v[12])_(\d+(?:\.\d+)?)_(\d+)$/;

/** Finds an entry by id, reading alpha as a number so 'mobilenet_v2_1.0_224' and 'mobilenet_v2_0.5_224' also match. */
export function findZooEntry(id: string): ZooEntry | undefined {
  const exact = ZOO.find((e) => e.id === id);
  if (exact) return exact;
  const want = id.match(ID);
  if (!want) return undefined;
  return ZOO.find((e) => {
    const m = e.id.match(ID);
    return m !== null && m[1] === want[1] && Number(m[2]) === Number(want[2]) && m[3] === want[3];
  });
}

/** Recognises a family from the layer names a model file contains, for models that did not come from the zoo. */
export function detectFamily(layerNames: readonly string[]): BackboneFamily | undefined {
  const has = (n: string) => layerNames.includes(n);
  if (has('conv_pw_13_relu') || (has('conv_dw_1') && has('conv_pw_1'))) return 'mobilenet_v1';
  if (has('out_relu') || (has('block_1_expand') && has('expanded_conv_project'))) return 'mobilenet_v2';
  if (layerNames.some((n) => n.startsWith('fire2/'))) return 'squeezenet';
  if (has('block1_conv1') && has('block5_conv3')) return 'vgg';
  // conv1_bn: ResNet v1 (caffe inputs); v2 has no BatchNorm before its first block and takes [-1, 1].
  if (has('conv1_bn') && has('conv2_block1_1_conv')) return 'resnet';
  return undefined;
}

export const FAMILY_DEFAULTS: Record<BackboneFamily, { preprocessing: Preprocessing; defaultCut?: string }> = {
  mobilenet_v1: { preprocessing: 'minus1to1', defaultCut: 'conv_pw_13_relu' },
  mobilenet_v2: { preprocessing: 'minus1to1', defaultCut: 'out_relu' },
  // Keras' SqueezeNet ports keep the Caffe weights, hence BGR mean subtraction; the shared file is already cut.
  squeezenet: { preprocessing: 'caffe' },
  // Keras' VGG and ResNet v1 weights came from Caffe too: keras.applications.{vgg16,resnet}.preprocess_input is
  // mode 'caffe'.
  vgg: { preprocessing: 'caffe', defaultCut: 'block5_pool' },
  resnet: { preprocessing: 'caffe', defaultCut: 'conv5_block3_out' },
};

const BLOCK_RULES: Record<BackboneFamily, [RegExp, string | ((m: RegExpMatchArray) => string)][]> = {
  mobilenet_v1: [
    [/^(conv_(?:dw|pw|pad)_)(\d+)(?:_|$)/, (m) => `block_${m[2]}`],
    [/^(input|conv1)/, 'stem'],
    [/./, 'top'],
  ],
  mobilenet_v2: [
    [/^block_(\d+)_/, (m) => `block_${m[1]}`],
    [/^(input|Conv1|bn_Conv1|expanded_conv)/, 'stem'],
    [/^(Conv_1|out_relu)/, 'head'],
    [/./, 'top'],
  ],
  squeezenet: [
    [/^(fire\d+)\//, (m) => m[1]],
    [/^(input|conv1|relu_conv1|pool1$)/, 'stem'],
    // SqueezeNet 1.1 pools after fire3 and fire5; the pool closes that fire block.
    [/^pool(\d+)$/, (m) => `fire${m[1]}`],
    [/./, 'head'],
  ],
  // block1 … block5, each closed by its pool; the Keras fine-tuning recipe unfreezes from block5_conv1.
  vgg: [
    [/^(block\d+)_/, (m) => m[1]],
    [/^input/, 'stem'],
    [/./, 'top'],
  ],
  // The stages: conv1 (with its pool), then conv2 … conv5 of residual blocks; fine-tuning cuts between stages.
  resnet: [
    [/^(conv\d+)_/, (m) => m[1]],
    [/^pool1_/, 'conv1'],
    [/^input/, 'stem'],
    [/./, 'top'],
  ],
};

/**
 * The block a layer belongs to, as the freeze table groups them. Unknown models fall back to the name's
 * prefix before '/' (TF scopes) or the layer itself, so every layer still has a block to unfreeze from.
 */
export function blockOf(family: BackboneFamily | undefined, layerName: string): string {
  if (family) {
    for (const [re, block] of BLOCK_RULES[family]) {
      const m = layerName.match(re);
      if (m) return typeof block === 'string' ? block : block(m);
    }
  }
  const slash = layerName.indexOf('/');
  return slash > 0 ? layerName.slice(0, slash) : layerName;
}
