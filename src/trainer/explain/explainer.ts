// One object owns what explaining a classifier needs: the classifier cut at its last feature map, the frozen pass
// that computes feature maps (ONNX Runtime when it opens, like every frozen pass; tfjs otherwise), and the views of
// test-time augmentation. Decoded images in, each image's probabilities and its Grad-CAM map out.
import type * as tfType from '@tensorflow/tfjs';
import { argmax } from '../../core/metrics';
import type { SavedModelMeta } from '../../core/runRecord';
import { averageViews, expandViews, ttaViews, type TtaMode } from '../../core/testTimeAugmentation';
import type { Tf } from '../engine/engine';
import { inThreadForward, openBatchForward, type BatchForward, type FrozenSetting } from '../forward/batchForward';
import { engineOf, rowsOf } from '../forward/savedModel';
import type { JobContext } from '../runtime/jobContext';
import { classScoresOf, type ClassScores } from './classScores';
import { gradCam } from './gradCam';

/** The model gave NaN or ±Infinity for `images[index]`: it is damaged or diverged. */
export class NotANumberError extends Error {
  constructor(readonly index: number) {
    super(`the model gave a value that is not a number for image ${index}`);
  }
}

export interface Explained {
  /** Every class's probability, averaged over the views. */
  probabilities: Float32Array;
  /** The class the map explains. */
  classIndex: number;
  /** The Grad-CAM map on the original view, h × w (see `shape`), 0..1. */
  map: Float32Array;
}

/** Feature maps per forward call: 32 of MobileNetV2's 7×7×1280 are 8 MB, and ORT's activations stay bounded. */
const VIEWS_PER_PASS = 32;

export class Explainer {
  private constructor(
    private readonly tf: Tf,
    private readonly meta: SavedModelMeta,
    private readonly head: ClassScores,
    private readonly forward: BatchForward,
  ) {}

  static open(
    tf: Tf, saved: { model: tfType.LayersModel; meta: SavedModelMeta }, ctx: JobContext, frozen?: FrozenSetting,
  ): Explainer {
    const head = classScoresOf(tf, saved.model);
    const [h, w, c] = head.shape;
    const { inputSize: size, preprocessing } = saved.meta;
    const forward = openBatchForward({
      tf,
      ...(frozen ? { onnx: { preference: frozen.preference, model: () => head.bottom, size, preprocessing } } : {}),
      engine: engineOf(tf),
      // The feature maps are the job's own input to the gradient: one thread, no worker copies of the model.
      workers: 0,
      ctx,
      spec: undefined,
      inThread: () => inThreadForward(tf, h * w * c, size, preprocessing, (x) => head.bottom.predict(x) as tfType.Tensor),
    });
    return new Explainer(tf, saved.meta, head, forward);
  }

  /** The feature map's layer. */
  get layer(): string {
    return this.head.layer;
  }

  /** [height, width] of the maps. */
  get shape(): [number, number] {
    return [this.head.shape[0], this.head.shape[1]];
  }

  /** The frozen pass's engine, once it has run. */
  get engine(): string | undefined {
    return this.forward.engine;
  }

  /**
   * Decoded images (inputSize² × 3 bytes each) → probabilities averaged over the `tta` views, and the Grad-CAM map of
   * the original view for `classes[i]` when given, else for the most probable class.
   */
  async explain(images: readonly Uint8Array[], tta: TtaMode, classes?: readonly number[]): Promise<Explained[]> {
    if (!images.length) return [];
    const { tf, head, meta } = this;
    const views = ttaViews(tta);
    const expanded = expandViews(images, meta.inputSize, views);
    const dim = head.shape.reduce((a, b) => a * b, 1);
    const features = new Float32Array(expanded.length * dim);
    for (let i = 0; i < expanded.length; i += VIEWS_PER_PASS) {
      features.set(await this.forward.run(expanded.slice(i, i + VIEWS_PER_PASS)), i * dim);
    }
    const [h, w, c] = head.shape;
    const rows = tf.tidy(() => {
      const out = head.outputs(tf.tensor4d(features, [expanded.length, h, w, c]));
      return out.dataSync() as Float32Array;
    });
    const bad = rows.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new NotANumberError(Math.floor(bad / (rows.length / expanded.length) / views.length));
    const k = meta.classes.length;
    const probabilities = averageViews(rowsOf(rows, expanded.length, k), views.length);
    const chosen = classes ?? probabilities.map((p) => argmax(p));
    const originals = new Float32Array(images.length * dim);
    // The original view of image i is row i × views.length.
    for (let i = 0; i < images.length; i++) {
      originals.set(features.subarray(i * views.length * dim, (i * views.length + 1) * dim), i * dim);
    }
    const cams = gradCam(tf, head, originals, chosen, k);
    return images.map((_, i) => ({ probabilities: probabilities[i], classIndex: chosen[i], map: cams.maps[i] }));
  }

  async dispose(): Promise<void> {
    // The bottom shares the classifier's layers: disposing it would free their weights, which the caller owns.
    await this.forward.dispose();
  }
}
