// The image input every Keras application starts from.
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from '../../../engine/engine';

/** Keras' smallest input for these networks (imagenet_utils.obtain_input_shape's min_size). */
export const MIN_INPUT_SIZE = 32;

/**
 * A square RGB input named as Keras 2 names its first Input ('input_1'): the name the published Keras exports
 * (Teachable Machine's among them) carry, so layer tables line up with theirs. It holds no weights.
 */
export function kerasInput(tf: Tf, inputSize: number): tfType.SymbolicTensor {
  if (!Number.isInteger(inputSize) || inputSize < MIN_INPUT_SIZE) {
    throw new RangeError(`input size must be a whole number of pixels from ${MIN_INPUT_SIZE}, got ${inputSize}`);
  }
  return tf.input({ shape: [inputSize, inputSize, 3], name: 'input_1' });
}
