// tfjs' Dropout draws its mask from a new generator seeded with the layer's `seed` on every call, so a seeded
// Dropout drops the same units on every batch: it trains one fixed thinned network instead of regularising.
// Advancing each layer's seed per training step gives a fresh mask per batch, still reproducible from the seed,
// which is what Keras' seeded dropout does. Unseeded layers are left alone (their masks are already fresh).
import type * as tfType from '@tensorflow/tfjs';

type SeededLayer = tfType.layers.Layer & { seed?: number };

function dropoutLayers(layer: tfType.layers.Layer): SeededLayer[] {
  const nested = (layer as { layers?: tfType.layers.Layer[] }).layers;
  if (nested) return nested.flatMap(dropoutLayers);
  const seeded = layer.getClassName() === 'Dropout' && typeof (layer as SeededLayer).seed === 'number';
  return seeded ? [layer as SeededLayer] : [];
}

export interface DropoutStepper {
  /** Call before each training batch. */
  step(): void;
  /** Puts the original seeds back, so a saved model's config says what the person asked for. */
  restore(): void;
}

export function freshDropoutMasks(model: tfType.LayersModel): DropoutStepper {
  const layers = dropoutLayers(model);
  const bases = layers.map((l) => l.seed!);
  let steps = 0;
  return {
    step() {
      steps++;
      layers.forEach((l, i) => (l.seed = bases[i] + steps * 1_000_003));
    },
    restore() {
      layers.forEach((l, i) => (l.seed = bases[i]));
    },
  };
}
