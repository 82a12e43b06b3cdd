// The frozen part of the network with everything that turns images into the vectors a head trains on: the
// backbone (pooled at its cut, or split at a fine-tuning boundary), the image settings, the forward passes (on
// worker threads where they help) and the embedding cache they fill. As Teachable Machine's TeachableMobileNet
// holds model + features together, this one object answers "what is cached, and when is it invalid": the cache
// folder is named by everything that changes the vectors (cacheKey), and a job that asks for features gets the
// cached ones, computes the rest, and never wires a forward pass, a cache and a loader by hand.
import type * as tfType from '@tensorflow/tfjs';
import * as path from 'node:path';
import type { EngineName } from '../../core/engineChoice';
import type { Tf } from '../engine/engine';
import { backboneForward, type BatchForward, type FrozenSetting } from '../forward/batchForward';
import { imageLoader, type TrackedLoader } from '../images/imageLoader';
import type { ResizeMode } from '../images/imagePipeline';
import type { Backbone, BackboneSplit, SplitOptions } from '../model/backbone';
import type { JobContext } from '../runtime/jobContext';
import { CACHE_VERSION, cacheFolderName, EmbeddingCache, type CacheKeyParts } from './embeddingCache';
import { cachedFeatures, type FeatureMatrix } from './featureStage';
import type { LabelledImage } from './trainingData';

export interface FeatureSettings {
  tf: Tf;
  /** The engine the job runs on: native TensorFlow gets no forward workers (it already uses every core). */
  engine: EngineName;
  /** Forward threads, as workersSetting() reads them; 0 or 1 keeps every pass on the job's thread. */
  workers: number | 'auto';
  /** Image side in pixels; the backbone's input size when not given. */
  size?: number;
  resize: ResizeMode;
  /** Seeds augmentation: variant v of an image is the same pixels in every run, so its cache entry stays valid. */
  seed: number;
  /** The root every job shares: train, the learning curve, the advisor and the LR finder fill it for each other. */
  cacheDir: string;
  /** Where the frozen passes run (ONNX Runtime when it loads and the model converts); tfjs when not given. */
  frozen?: FrozenSetting;
  ctx: JobContext;
}

export interface FeatureRequest {
  /** 1 + the augmented variants per image (default 1: the image as it is). Validation is never augmented. */
  variants?: number;
  /** The progress events' phase ("embedding train", "activations train"). */
  phase: string;
  /** Images per forward batch, each a whole batch for one thread. */
  batchSize: number;
}

/** What the extractor has handed out so far, summed over its features() calls. */
export interface CacheCounts { computed: number; fromCache: number; corrupt: number }

interface Boundary { unfreezeFrom: string; options?: SplitOptions; split: BackboneSplit }

/**
 * Holds no thread and no tensor of its own until a batch misses the cache: the forward workers start then (so a
 * fully cached rerun starts none) and stop at dispose(). The backbone stays its loader's to dispose: a job checks it
 * (input size, fine-tunability) before any extractor exists, and one backbone serves the pooled extractor and its
 * atBoundary() twin.
 */
export class FeatureExtractor {
  readonly size: number;
  /** Values per image: the pooled features, or the activation at the boundary, flattened. */
  readonly dim: number;
  /** One vector's shape without the batch dimension: [featureDim], or the boundary activation's [h, w, c]. */
  readonly shape: number[];
  /** Everything that changes the cached vectors, and so names the cache folder. */
  readonly cacheKey: CacheKeyParts;
  readonly cache: EmbeddingCache;
  /** Set by atBoundary(): the frozen bottom whose output is cached and the trainable top that reads it. */
  readonly split: BackboneSplit | undefined;
  private readonly load: TrackedLoader;
  private forward: BatchForward | undefined;
  /** The engine a disposed forward ran on: jobs read it after stopping the workers. */
  private ranOn: string | undefined;
  private readonly totals: CacheCounts = { computed: 0, fromCache: 0, corrupt: 0 };

  private constructor(
    readonly backbone: Backbone, private readonly settings: FeatureSettings, private readonly boundary?: Boundary,
  ) {
    this.size = settings.size ?? backbone.inputSize;
    this.split = boundary?.split;
    this.shape = boundary ? boundary.split.boundaryShape : [backbone.featureDim];
    this.dim = this.shape.reduce((a, b) => a * b, 1);
    this.cacheKey = {
      backbone: backbone.id, cut: boundary ? boundary.split.boundaryLayer : backbone.cut, size: this.size,
      resize: settings.resize, preprocessing: backbone.preprocessing, version: CACHE_VERSION,
    };
    this.cache = new EmbeddingCache(path.join(settings.cacheDir, cacheFolderName(this.cacheKey)), this.dim);
    this.load = imageLoader(settings, this.size, settings.ctx);
  }

  /** The backbone's pooled features at its cut. */
  static open(backbone: Backbone, settings: FeatureSettings): FeatureExtractor {
    return new FeatureExtractor(backbone, settings);
  }

  /**
   * The same backbone split for fine-tuning at `unfreezeFrom` (a layer or a block): the frozen bottom's activations
   * are what gets cached, under the boundary layer's name. Splitting marks the bottom's layers non-trainable.
   */
  atBoundary(unfreezeFrom: string, options?: SplitOptions): FeatureExtractor {
    const split = this.backbone.splitAt(unfreezeFrom, options);
    return new FeatureExtractor(this.backbone, this.settings, { unfreezeFrom, options, split });
  }

  /** Why each image that could not be decoded failed, by file: what a job names in its skipped list. */
  get failures(): ReadonlyMap<string, string> {
    return this.load.failures;
  }

  /** Computed, cached and damaged vectors over every features() call so far. */
  /** The engine the frozen passes ran on; undefined when every vector came from the cache (or no route was set). */
  get frozenEngine(): string | undefined {
    return this.forward?.engine ?? this.ranOn;
  }

  get counts(): CacheCounts {
    return { ...this.totals };
  }

  /**
   * The vectors of `items` in `variants` variants: read from the cache, the rest computed (and stored). An image
   * that cannot be decoded is in `failed` (and in failures) with zero rows.
   */
  async features(items: LabelledImage[], req: FeatureRequest): Promise<FeatureMatrix> {
    const { tf, ctx } = this.settings;
    this.forward ??= backboneForward(tf, this.backbone, {
      size: this.size, engine: this.settings.engine, workers: this.settings.workers, ctx, frozen: this.settings.frozen,
    }, this.boundary && {
      model: this.boundary.split.frozenBottom,
      unfreezeFrom: this.boundary.unfreezeFrom, options: this.boundary.options, dim: this.dim,
      run: (x) => this.boundary!.split.frozenBottom.predict(x) as tfType.Tensor,
    });
    const f = await cachedFeatures({ items, variants: req.variants ?? 1, phase: req.phase, batchSize: req.batchSize },
      this.forward, this.cache, this.load, ctx);
    this.totals.computed += f.computed;
    this.totals.fromCache += f.fromCache;
    this.totals.corrupt += f.corrupt;
    return f;
  }

  /**
   * What trains on this extractor's vectors with `head` on top: the head itself for pooled features, the split's
   * trainable top feeding the head at a boundary (training it trains the backbone's own layers).
   */
  trainableModel(head: tfType.LayersModel): tfType.LayersModel {
    const top = this.split?.trainableTop;
    if (!top) return head;
    return this.settings.tf.model({ inputs: top.inputs, outputs: head.apply(top.outputs[0]) as tfType.SymbolicTensor });
  }

  /**
   * Image → class scores as one layers model: the backbone's feature model (with any fine-tuned weights, which it
   * shares) and `head`. Undefined for a graph backbone: there the head and the backbone reference are the model.
   */
  classifier(head: tfType.LayersModel): tfType.LayersModel | undefined {
    const features = this.backbone.model;
    if (!features) return undefined;
    return this.settings.tf.model({
      inputs: features.inputs, outputs: head.apply(features.outputs[0]) as tfType.SymbolicTensor,
      name: 'transfer_lab_classifier',
    });
  }

  /**
   * Stops the forward workers, each holding a copy of the model and its activations: a job calls it once its
   * vectors are in, before training. A later features() call that misses the cache starts them again.
   */
  async dispose(): Promise<void> {
    const forward = this.forward;
    this.ranOn = forward?.engine ?? this.ranOn;
    this.forward = undefined;
    await forward?.dispose();
  }
}
