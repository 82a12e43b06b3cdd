// The Keras applications Transfer Lab builds in TF.js layers, by the id the zoo names them with.
import type * as tfType from '@tensorflow/tfjs';
import type { KerasApplication } from '../../../../core/kerasZoo';
import type { Tf } from '../../../engine/engine';
import { mobilenetV2 } from './mobilenetV2';
import { resnet50 } from './resnet50';
import { vgg16 } from './vgg16';

export interface KerasApplicationOptions {
  /** Square input size in pixels; 224 by default, at least 32. */
  inputSize?: number;
  /** MobileNetV2's width multiplier (1.0 by default); the others have none. */
  alpha?: number;
}

/** The network with fresh (Glorot) weights, as Keras builds it with weights=None and include_top=False. */
export function buildKerasApplication(
  tf: Tf, application: KerasApplication, o: KerasApplicationOptions = {},
): tfType.LayersModel {
  if (o.alpha !== undefined && application !== 'mobilenet_v2') {
    throw new Error(`${application} has no width multiplier (alpha ${o.alpha} given)`);
  }
  switch (application) {
    case 'vgg16': return vgg16(tf, o);
    case 'resnet50': return resnet50(tf, o);
    case 'mobilenet_v2': return mobilenetV2(tf, o);
  }
}
