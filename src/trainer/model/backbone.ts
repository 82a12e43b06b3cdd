// A pretrained backbone, truncated at its feature layer: the one object that knows how to turn images into
// feature vectors, which layers it has, and how to split itself for fine-tuning.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import type { LayerRow } from '../../core/protocol';
import {
  blockOf as familyBlockOf, detectFamily, FAMILY_DEFAULTS, findZooEntry,
  ZOO, type BackboneFamily, type Preprocessing, type ZooEntry,
} from '../../core/zooCatalog';
import { findKerasZooEntry, KERAS_ZOO, type KerasZooEntry } from '../../core/kerasZoo';
import { isKerasFileName } from '../../core/runFiles';
import { bundledModelJson, verifyBundled } from './bundledModels';
import { fetchKerasWeights, loadKerasApplication } from './keras/kerasApplicationLoad';
import { loadKerasModel } from './keras/kerasH5';
import { splitBackbone, validSplitPoints, type BackboneSplit, type SplitOptions } from './backboneSplit';
import { GraphBackbone } from './graphBackbone';
import { layerRows } from './layerTable';
import { fetchModel, isHttpUrl, type DownloadProgress } from './modelDownload';
import { readModelArtifacts } from './modelFiles';
import { ancestorsOf, flattenModel, type FlatGraph, type FlatLayer } from './modelFlatten';


export type { BackboneSplit, SplitOptions } from './backboneSplit';

export interface Backbone {
  /** Zoo id, or the source as given. */
  readonly id: string;
  readonly kind: 'layers' | 'graph';
  readonly family: BackboneFamily | undefined;
  readonly inputSize: number;
  /** Set when the model file fixes its input size: images of any other size cannot go through it. */
  readonly fixedInputSize?: number;
  readonly preprocessing: Preprocessing;
  /** Layer (or graph node) whose output, pooled, is the feature vector. */
  readonly cut: string;
  readonly featureDim: number;
  readonly canFineTune: boolean;
  /** How another thread loads this same backbone; undefined for models that exist only in memory. */
  readonly reload?: BackboneReload;
  /** Backbone layers from the input to the cut, in model order: what fine-tuning can unfreeze. */
  readonly layers: tf.layers.Layer[];
  /**
   * Image → pooled features as one layers model, sharing its layer objects (and so its weights, fine-tuned ones
   * included) with every split: what a head is composed onto to save the whole classifier. Undefined for a graph
   * model, which cannot be composed with a layers head.
   */
  readonly model: tf.LayersModel | undefined;
  /** Images (already preprocessed, [n, size, size, 3]) → features [n, featureDim]. */
  embed(images: tf.Tensor4D): tf.Tensor2D;
  /** Current rows for the freeze table (trainable flags change after splitAt). */
  layerTable(): LayerRow[];
  /** Layer name or block name where the trainable top starts. */
  splitAt(unfreezeFrom: string, options?: SplitOptions): BackboneSplit;
  blockOf(layerName: string): string;
  dispose(): void;
}

export interface LoadBackboneOptions {
  /** Zoo id, local folder, model.json path, file: URL or http(s) URL. */
  source: string;
  /** Layer name (graph models: node name) to cut at; default per family, see defaultCut(). */
  cut?: string;
  /** Where downloads are cached; default ~/.cache/transfer-lab/models. */
  cacheDir?: string;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** For models we cannot recognise; zoo and recognised families bring their own. */
  preprocessing?: Preprocessing;
  /** For models whose input size is not fixed in the file. */
  inputSize?: number;
}

/** What the product knows about a backbone it recognises: a zoo entry or a Keras application. */
export type KnownBackbone = Pick<ZooEntry, 'family' | 'defaultCut' | 'inputSize' | 'preprocessing'>;

/** Where another thread finds the same backbone the job loaded: a download is already in the model cache. */
export type BackboneReload = Pick<LoadBackboneOptions, 'source' | 'cacheDir' | 'cut' | 'preprocessing' | 'inputSize'>;

export async function loadBackbone(o: LoadBackboneOptions): Promise<Backbone> {
  const keras = findKerasZooEntry(o.source);
  if (keras) return kerasApplicationBackbone(keras, o);
  const zoo = findZooEntry(o.source);
  if (!zoo && !isHttpUrl(o.source) && !o.source.startsWith('file:') && !existsSync(o.source)) {
    const ids = [...ZOO, ...KERAS_ZOO].map((e) => e.id).join(', ');
    throw new Error(`unknown backbone "${o.source}": not a zoo id (${ids}) and no such file or folder`);
  }
  if (isKerasModelFile(o.source)) return withReload(new LayersBackbone(o.source, await loadKerasModel(tf, o.source), undefined, o), o);
  const bundled = zoo && bundledModelJson(zoo);
  if (bundled) await verifyBundled(zoo, bundled);
  const jsonPath = bundled ?? await fetchModel(zoo?.url ?? o.source, {
    cacheDir: o.cacheDir, id: zoo?.id, sha256: zoo?.sha256, onProgress: o.onProgress, signal: o.signal,
  });
  const artifacts = await readModelArtifacts(jsonPath);
  const id = zoo?.id ?? o.source;
  const topo = artifacts.modelTopology as { node?: unknown } | undefined;
  if (Array.isArray(topo?.node)) {
    const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
    const shape = model.inputs[0]?.shape ?? [];
    // TF-Hub image modules take [0, 1] and rescale inside the graph (hub_input/Mul, Sub).
    const hubInput = (topo.node as { name: string }[]).some((n) => n.name.includes('hub_input'));
    return new GraphBackbone(tf, {
      id,
      model,
      artifacts,
      cut: o.cut,
      inputSize: fixedSize(shape) ?? o.inputSize ?? 224,
      fixedInputSize: fixedSize(shape),
      preprocessing: o.preprocessing ?? (hubInput ? 'zero1' : 'minus1to1'),
      reload: {
        source: o.source,
        cacheDir: o.cacheDir,
        cut: o.cut,
        preprocessing: o.preprocessing,
        inputSize: o.inputSize,
      },
    });
  }
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  return withReload(new LayersBackbone(id, model, zoo, o), o);
}

/** How a forward worker loads the same backbone: the same source (a download is in the model cache by now). */
function withReload(backbone: LayersBackbone, o: LoadBackboneOptions): LayersBackbone {
  backbone.reload = {
    source: o.source, cacheDir: o.cacheDir, cut: backbone.cut, preprocessing: backbone.preprocessing,
    inputSize: backbone.inputSize,
  };
  return backbone;
}

/** A Keras `.h5` (Keras 2 full model) or `.keras` (Keras 3) file, picked like any local model. */
export function isKerasModelFile(source: string): boolean {
  return isKerasFileName(source) && existsSync(source);
}

/** VGG16, ResNet50 or MobileNetV2 built in TF.js layers with Keras' names, filled from Keras' own weights file. */
async function kerasApplicationBackbone(entry: KerasZooEntry, o: LoadBackboneOptions): Promise<Backbone> {
  const weights = await fetchKerasWeights(entry, { cacheDir: o.cacheDir, onProgress: o.onProgress, signal: o.signal });
  const model = await loadKerasApplication(tf, entry, weights, { inputSize: o.inputSize });
  return withReload(new LayersBackbone(entry.id, model, entry, o), o);
}

function fixedSize(shape: readonly (number | null)[]): number | undefined {
  const [h, w] = [shape[1], shape[2]];
  return typeof h === 'number' && h > 0 && h === w ? h : undefined;
}

/**
 * The feature layer when none is asked for: the zoo's or the family's, else the layer feeding the model's first
 * global pooling or flatten (where a classifier head begins), else the last layer with a 4-D output.
 */
export function defaultCut(graph: FlatGraph, zoo: KnownBackbone | undefined, family: BackboneFamily | undefined): FlatLayer {
  const named = zoo?.defaultCut ?? (family ? FAMILY_DEFAULTS[family].defaultCut : undefined);
  if (named && graph.byName.has(named)) return graph.byName.get(named)!;
  const pool = graph.layers.find((l) =>
    /^(GlobalAveragePooling2D|GlobalMaxPooling2D|Flatten)$/.test(l.layer.getClassName()),
  );
  const fed = pool && graph.leafOf(pool.inputs[0]);
  if (fed) return fed;
  return [...graph.layers].reverse().find((l) => l.outputs[0].rank === 4) ?? graph.layers.at(-1)!;
}

export class LayersBackbone implements Backbone {
  readonly kind = 'layers' as const;
  readonly fixedInputSize?: number;
  readonly canFineTune = true;
  readonly family: BackboneFamily | undefined;
  readonly inputSize: number;
  readonly preprocessing: Preprocessing;
  readonly cut: string;
  readonly featureDim: number;
  readonly layers: tf.layers.Layer[];
  reload?: BackboneReload;
  /** Image → pooled features. Shares its layer objects (and so its weights) with every split. */
  readonly model: tf.LayersModel;
  private readonly graph: FlatGraph;
  private readonly cutLeaf: FlatLayer;
  private readonly backboneLeaves: FlatLayer[];

  constructor(
    readonly id: string,
    private readonly full: tf.LayersModel,
    zoo: KnownBackbone | undefined,
    o: LoadBackboneOptions,
  ) {
    this.graph = flattenModel(full);
    const names = this.graph.layers.map((l) => l.layer.name);
    this.family = zoo?.family ?? detectFamily(names);
    if (o.cut !== undefined && !this.graph.byName.has(o.cut)) {
      const near = names.filter((n) => n.toLowerCase().includes(o.cut!.toLowerCase())).slice(0, 5);
      throw new Error(`${id} has no layer "${o.cut}"${near.length ? `; did you mean ${near.join(', ')}?` : ''}`);
    }
    this.cutLeaf = o.cut !== undefined ? this.graph.byName.get(o.cut)! : defaultCut(this.graph, zoo, this.family);
    this.cut = this.cutLeaf.layer.name;
    this.backboneLeaves = ancestorsOf(this.graph, this.cutLeaf.outputs[0]);
    this.layers = this.backboneLeaves.map((l) => l.layer);
    this.fixedInputSize = fixedSize(this.graph.input.shape);
    this.inputSize = this.fixedInputSize ?? zoo?.inputSize ?? o.inputSize ?? 224;
    this.preprocessing =
      o.preprocessing ?? zoo?.preprocessing ?? (this.family ? FAMILY_DEFAULTS[this.family].preprocessing : 'minus1to1');

    let out = this.cutLeaf.outputs[0];
    if (out.rank === 4)
      out = tf.layers.globalAveragePooling2d({ name: 'features_pool' }).apply(out) as tf.SymbolicTensor;
    else if (out.rank !== 2) out = tf.layers.flatten({ name: 'features_flatten' }).apply(out) as tf.SymbolicTensor;
    this.model = tf.model({ inputs: this.cutLeaf.owner.inputs, outputs: out, name: 'backbone_features' });
    this.featureDim = out.shape[1] as number;
  }

  embed(images: tf.Tensor4D): tf.Tensor2D {
    return this.model.predict(images, { batchSize: Math.max(1, images.shape[0]) }) as tf.Tensor2D;
  }

  layerTable(): LayerRow[] {
    return layerRows(this.backboneLeaves, (n) => this.blockOf(n));
  }

  splitAt(unfreezeFrom: string, options?: SplitOptions): BackboneSplit {
    return splitBackbone(tf, this.graph, this.cutLeaf, unfreezeFrom, (n) => this.blockOf(n), options);
  }

  /** Layer names where splitAt() works (one activation crosses the boundary). */
  splitPoints(): string[] {
    return validSplitPoints(this.graph, this.backboneLeaves);
  }

  blockOf(layerName: string): string {
    return familyBlockOf(this.family, layerName);
  }

  dispose(): void {
    this.full.dispose();
  }
}
