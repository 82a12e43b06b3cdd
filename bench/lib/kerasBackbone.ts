// Keras' VGG16 and ResNet50 as the product builds them (src/trainer/model/keras/applications, include_top=False,
// Keras' layer names), with fresh random weights: the benches time them without downloading Keras' weights files.
// Wrapped in a LayersBackbone with the zoo entry, so the family, the cut (block5_pool, conv5_block3_out), the
// pooled features and the preprocessing ('caffe') are what a job gets for vgg16_keras and resnet50_keras.
import type { KerasApplication } from '../../src/core/kerasZoo';
import { KERAS_ZOO } from '../../src/core/kerasZoo';
import type { Tf } from '../../src/trainer/engine/engine';
import { LayersBackbone } from '../../src/trainer/model/backbone';
import { buildKerasApplication } from '../../src/trainer/model/keras/applications/kerasApplications';

export const KERAS_BENCH_APPS = ['vgg16', 'resnet50'] as const;
export type KerasBenchApp = (typeof KERAS_BENCH_APPS)[number];

export const isKerasBenchApp = (m: unknown): m is KerasBenchApp => KERAS_BENCH_APPS.includes(m as KerasBenchApp);

export function kerasAppBackbone(tf: Tf, application: KerasApplication, inputSize = 224): LayersBackbone {
  const entry = KERAS_ZOO.find((e) => e.application === application && e.alpha === undefined);
  if (!entry) throw new Error(`no Keras zoo entry for ${application}`);
  const model = buildKerasApplication(tf, application, { inputSize });
  return new LayersBackbone(entry.id, model, entry, { source: entry.id, inputSize });
}
