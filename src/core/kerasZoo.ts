// Backbones Transfer Lab builds itself (src/trainer/model/keras/applications) and fills from Keras' own
// weights files: Keras' `include_top=False` HDF5 files, loaded by layer name.
//
// URLs and checksums as Keras' own code has them, keras-team/keras @ 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60
// (the same values in the older keras-team/keras-applications @ 06fbeb0f16e1304f239b2296578d1c50b15a983a):
//   keras/src/applications/vgg16.py  WEIGHTS_PATH_NO_TOP, get_file(file_hash="6d6bbae143d832006294945121d1f1fc")
//   keras/src/applications/resnet.py BASE_WEIGHTS_PATH + "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
//                                    WEIGHTS_HASHES["resnet50"][1] = "4d473c1dd8becc155b73f8504c6f6626"
//   keras/src/applications/mobilenet_v2.py BASE_WEIGHT_PATH +
//     f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}_no_top.h5", with no file_hash.
// Keras' get_file reads a 32-hex file_hash as md5 (hash_algorithm "auto"), so the digests are md5; the download
// checks them (model/fileDownload.ts). MobileNetV2's files have no published digest, so `md5` stays undefined
// rather than pinned to a guess; the first download's sha256 is recorded and checked on every reuse.
// Licences of the weights, as the Keras weights' original README (fchollet/deep-learning-models) gives them:
// VGG16 ported from Oxford VGG's release (CC BY 4.0), ResNet50 from Kaiming He's (MIT); MobileNetV2 from
// tensorflow/models (Apache-2.0).
import type { BackboneFamily, Preprocessing } from './zooCatalog';

export type KerasApplication = 'vgg16' | 'resnet50' | 'mobilenet_v2';

export interface KerasZooEntry {
  kind: 'keras-application';
  id: string;
  /** Which builder makes the network (model/keras/applications). */
  application: KerasApplication;
  /** MobileNetV2's width multiplier. */
  alpha?: number;
  family: BackboneFamily;
  inputSize: number;
  preprocessing: Preprocessing;
  /** Layer whose output becomes the feature vector (after global average pooling): Keras' notop output. */
  defaultCut: string;
  licence: string;
  hasImagenetTop: false;
  /** Keras' `*_notop.h5` weights file, and the md5 Keras checks it against (undefined where Keras has none). */
  weights: { url: string; md5?: string };
}

const BASE = 'https://storage.googleapis.com/tensorflow/keras-applications/';

const mobilenetV2 = (alpha: string): KerasZooEntry => ({
  kind: 'keras-application',
  id: `mobilenet_v2_${alpha}_224_keras`,
  application: 'mobilenet_v2',
  alpha: Number(alpha),
  family: 'mobilenet_v2',
  inputSize: 224,
  preprocessing: 'minus1to1',
  defaultCut: 'out_relu',
  licence: 'Apache-2.0',
  hasImagenetTop: false,
  weights: { url: `${BASE}mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${alpha}_224_no_top.h5` },
});

// Alpha is spelled as Python's str(float(alpha)) spells it in the file names: 0.5 and 1.0, not 0.50 and 1.
export const KERAS_ZOO: readonly KerasZooEntry[] = [
  {
    kind: 'keras-application',
    id: 'vgg16_keras',
    application: 'vgg16',
    family: 'vgg',
    inputSize: 224,
    preprocessing: 'caffe',
    defaultCut: 'block5_pool',
    licence: 'CC-BY-4.0',
    hasImagenetTop: false,
    weights: {
      url: `${BASE}vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`,
      md5: '6d6bbae143d832006294945121d1f1fc',
    },
  },
  {
    kind: 'keras-application',
    id: 'resnet50_keras',
    application: 'resnet50',
    family: 'resnet',
    inputSize: 224,
    preprocessing: 'caffe',
    defaultCut: 'conv5_block3_out',
    licence: 'MIT',
    hasImagenetTop: false,
    weights: {
      url: `${BASE}resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`,
      md5: '4d473c1dd8becc155b73f8504c6f6626',
    },
  },
  ...['0.35', '0.5', '0.75', '1.0', '1.3', '1.4'].map(mobilenetV2),
];

const MOBILENET_ID = /^mobilenet_v2_(\d+(?:\.\d+)?)_224_keras$/;

/** Finds an entry by id, reading MobileNetV2's alpha as a number ('mobilenet_v2_0.50_224_keras' finds 0.5). */
export function findKerasZooEntry(id: string): KerasZooEntry | undefined {
  const exact = KERAS_ZOO.find((e) => e.id === id);
  if (exact) return exact;
  const alpha = id.match(MOBILENET_ID)?.[1];
  return alpha === undefined ? undefined : KERAS_ZOO.find((e) => e.alpha !== undefined && e.alpha === Number(alpha));
}
