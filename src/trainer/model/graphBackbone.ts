// A TF.js *graph* model (a frozen TensorFlow graph) used as a feature extractor only.
//
// Which node becomes the feature: a graph converted from a TF-Hub classifier ends in
//   …/Conv2d_13_pointwise/Relu6 → Logits/global_pool (Mean) → Logits/Conv2d_1c_1x1 → SpatialSqueeze (1001 logits).
// The global_pool output is exactly what the same network's TF-Hub "feature_vector" twin returns, so it is
// the default. Only when no global pooling node exists do we fall back to the model output: logits of an
// ImageNet classifier still separate many classes, but they are 1001 class scores squeezed through the
// ImageNet label space, which transfers worse than the pooled activations.
import type * as tfType from '@tensorflow/tfjs';
import type { LayerRow } from '../../core/protocol';
import type { Preprocessing } from '../../core/zooCatalog';
import type { Backbone } from './backbone';
import type { BackboneReload } from './backbone';

type Tf = typeof tfType;

interface GraphNode { name: string; op: string; input?: string[] }

export function graphNodes(artifacts: tfType.io.ModelArtifacts): GraphNode[] {
  const topo = artifacts.modelTopology as { node?: GraphNode[] } | undefined;
  return topo?.node ?? [];
}

/** The pre-logits global pool when there is one, else undefined (the caller then takes the model output). */
export function preLogitsNode(nodes: readonly GraphNode[]): string | undefined {
  const pools = nodes.filter((n) => (n.op === 'Mean' || n.op === 'AvgPool') && /pool/i.test(n.name));
  return pools.at(-1)?.name;
}

function graphBlock(name: string): string {
  const segments = name.split('/');
  return segments.find((s) => /_\d+(_|$)/.test(s)) ?? (segments.length > 1 ? segments[segments.length - 2] : name);
}

export interface GraphBackboneInit {
  id: string;
  model: tfType.GraphModel;
  artifacts: tfType.io.ModelArtifacts;
  cut?: string;
  inputSize: number;
  fixedInputSize?: number;
  preprocessing: Preprocessing;
  reload?: BackboneReload;
}

export class GraphBackbone implements Backbone {
  readonly kind = 'graph' as const;
  readonly canFineTune = false;
  readonly family = undefined;
  readonly id: string;
  readonly cut: string;
  readonly inputSize: number;
  readonly fixedInputSize?: number;
  readonly preprocessing: Preprocessing;
  readonly featureDim: number;
  readonly layers: tfType.layers.Layer[] = [];
  readonly model = undefined;
  readonly reload?: BackboneReload;
  private readonly rows: LayerRow[];

  constructor(private readonly tf: Tf, private readonly init: GraphBackboneInit) {
    this.id = init.id;
    this.inputSize = init.inputSize;
    this.fixedInputSize = init.fixedInputSize;
    this.preprocessing = init.preprocessing;
    this.reload = init.reload;
    const nodes = graphNodes(init.artifacts);
    const outputName = init.model.outputs[0].name;
    this.cut = init.cut ?? preLogitsNode(nodes) ?? outputName;
    if (!nodes.some((n) => n.name === this.cut) && this.cut !== outputName) {
      throw new Error(`graph model ${init.id} has no node "${this.cut}"`);
    }
    this.featureDim = tf.tidy(() => this.embed(tf.zeros([1, this.inputSize, this.inputSize, 3])).shape[1]);
    const weights = init.model.weights;
    const cutAt = nodes.findIndex((n) => n.name === this.cut);
    this.rows = nodes
      .slice(0, cutAt < 0 ? nodes.length : cutAt + 1)
      .filter((n) => n.op !== 'Const' && n.op !== 'Identity' && n.op !== 'Placeholder')
      .map((n, index) => ({
        index, name: n.name, type: n.op, outputShape: '',
        params: (n.input ?? []).reduce((sum, i) => sum + (weights[i.split(':')[0]]?.[0]?.size ?? 0), 0),
        trainable: false, block: graphBlock(n.name),
      }));
  }

  embed(images: tfType.Tensor4D): tfType.Tensor2D {
    return this.tf.tidy(() => {
      const out = this.init.model.execute(images, this.cut) as tfType.Tensor;
      return out.reshape([images.shape[0], -1]) as tfType.Tensor2D;
    });
  }

  layerTable(): LayerRow[] {
    return this.rows.map((r) => ({ ...r }));
  }

  splitAt(): never {
    throw new Error(
      `${this.id} is a graph model (a frozen TensorFlow graph): it has no layers to unfreeze, so it ` +
        'can extract features but not be fine-tuned. Pick a Keras-layers backbone such as mobilenet_v2_0.35_224 to fine-tune.',
    );
  }

  blockOf(name: string): string {
    return graphBlock(name);
  }

  dispose(): void {
    this.init.model.dispose();
  }
}
