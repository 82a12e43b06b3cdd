// A Keras model config (the JSON in an .h5's model_config attribute, or a .keras zip's config.json) turned into the
// topology TF.js 4.22's deserialiser builds, and refused by name where it would not build, or would build wrong.
//
// What TF.js refuses or misreads, measured on the real Keras 2.4 file in shared/models and a Keras 3 .keras file
// laid out as Keras 3 writes it (test/fixtures/kerasFiles.py), and what is done about it (each fix is the smallest
// that makes the config mean to TF.js what it meant to Keras):
// - Keras 3 writes an InputLayer's shape as `batch_shape`; TF.js reads only `batch_input_shape` and throws "An
//   InputLayer should be passed either a `batchInputShape` or an `inputShape`". Renamed.
// - Keras 3 writes each layer call as `{args: [KerasTensor…], kwargs}`, each tensor carrying `keras_history`
//   [layer, node, tensor]; TF.js wants Keras 2's `[[layer, node, tensor, kwargs], …]` and throws "Corrupted
//   configuration, expected array for nodeData". Rewritten; null kwargs (`mask: None`) dropped.
// - Keras 3 numbers a nested Sequential's calls from 0, where TF.js (and Keras 2) count the built-in node every
//   nested model has, so TF.js wires the Sequential's inner input instead of its output and throws "Graph
//   disconnected". References to a nested Sequential in a Keras 3 config are shifted by one (a nested Functional
//   counts its built-in node in both).
// - Keras 3 writes a single input or output of a Functional as one bare `[layer, node, tensor]` triple; TF.js
//   iterates a list of them and fails. Wrapped.
// - Keras 3 wraps every object as `{module, class_name, config, registered_name}` and a layer's dtype as a
//   DTypePolicy object. TF.js 4.22 builds these (it ignores keys it does not know, and so the policy: the layer's
//   dtype comes out undefined, its weights float32); they are unwrapped to Keras 2's `{class_name, config}` and a
//   dtype string anyway, so nothing downstream meets an object where TF.js' own configs hold a string.
// - Keras 3's LeakyReLU says `negative_slope` where TF.js (and Keras 2) read `alpha`; TF.js would silently use
//   its default 0.3. Renamed.
// - Keras 2.4+ writes BatchNormalization's axis as a list ([3]). TF.js builds it and computes the same (0 difference
//   on the Teachable Machine file: JavaScript coerces a one-element array in its index arithmetic); unwrapped, so
//   that does not rest on coercion.
// - Arguments TF.js accepts and ignores (`groups` on convolutions, ReLU's `negative_slope` and `threshold`,
//   `keepdims` on global pooling, sparse or ragged inputs) would build a different network without a word: refused,
//   naming the layer, unless they hold Keras' default.
// - A layer class TF.js does not have (Lambda, TFOpLambda, Normalization, …) or an activation it does not know
//   (hard_silu) is refused with the layer's name and class before TF.js is asked, instead of TF.js' "Unknown layer"
//   paragraph.
// The other arguments newer Keras versions write (`ragged: false`, `groups: 1`, `synchronized`, `build_config`, …)
// are left in place: TF.js ignores unknown arguments, and those hold the defaults checked above.
import type * as tfType from '@tensorflow/tfjs';
import { BadInputError } from '../../runtime/jobContext';

type Tf = typeof tfType;
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Classes TF.js builds as models, whose config holds `layers`. */
const CONTAINERS = new Set(['Sequential', 'Functional', 'Model']);

/** Arguments TF.js 4.22 ignores, with the value under which ignoring them changes nothing. */
const IGNORED_BY_TFJS: { classes: RegExp; arg: string; harmless: Json[] }[] = [
  { classes: /^(Conv[123]D|Conv[23]DTranspose|DepthwiseConv2D|SeparableConv2D)$/, arg: 'groups', harmless: [1, null] },
  { classes: /^ReLU$/, arg: 'negative_slope', harmless: [0, null] },
  { classes: /^ReLU$/, arg: 'threshold', harmless: [0, null] },
  { classes: /^Global(Average|Max)Pooling[123]D$/, arg: 'keepdims', harmless: [false, null] },
  { classes: /^InputLayer$/, arg: 'sparse', harmless: [false, null] },
  { classes: /^InputLayer$/, arg: 'ragged', harmless: [false, null] },
];

export interface TfjsTopology {
  /** The model's config as TF.js' deserialiser reads it (Keras 2 form). */
  topology: JsonObject;
  /** Whether the config was Keras 3's form (objects carry `module`), which names weights by class path. */
  keras3: boolean;
}

/**
 * `modelConfig` as TF.js builds it. Throws BadInputError naming every layer TF.js cannot build (`file` names the
 * model in the message).
 */
export function toTfjsTopology(tf: Tf, modelConfig: unknown, file: string): TfjsTopology {
  if (!isObject(modelConfig) || typeof modelConfig.class_name !== 'string' || !isObject(modelConfig.config)) {
    throw new BadInputError(`${file} holds no Keras model config (expected {"class_name", "config"})`, file);
  }
  const known = new Set(Object.keys(tf.serialization.SerializationMap.getMap().classNameMap));
  const refused: string[] = [];
  const keras3 = 'module' in modelConfig || 'registered_name' in modelConfig;
  const topology = layerEntry(modelConfig, { known, refused, path: [], shifted: new Set() });
  if (refused.length > 0) {
    const shown = refused.slice(0, 8).join('; ') + (refused.length > 8 ? `; and ${refused.length - 8} more` : '');
    throw new BadInputError(`${file} cannot be loaded: ${shown}`, file,
      'TensorFlow.js builds the Keras layers it implements; rebuild the model without these layers, or export it ' +
      'to ONNX or TF.js from Python instead.');
  }
  return { topology, keras3 };
}

interface Walk {
  known: Set<string>;
  refused: string[];
  /** Names of the containers above, for messages about nested layers. */
  path: string[];
  /** Layers of the enclosing container whose node indices TF.js counts one higher (see layerConfig). */
  shifted: Set<string>;
}

function layerEntry(entry: JsonObject, w: Walk): JsonObject {
  const className = String(entry.class_name);
  const config = isObject(entry.config) ? entry.config : {};
  const name = typeof config.name === 'string' ? config.name : typeof entry.name === 'string' ? entry.name : '?';
  const where = `layer "${[...w.path, name].join('/')}"`;
  if (!w.known.has(className)) {
    w.refused.push(`${where} is a ${className}, which TensorFlow.js does not implement`);
  }
  const out: JsonObject = { class_name: className, config: layerConfig(className, config, where, { ...w, path: [...w.path, name] }) };
  if ('name' in entry) out.name = entry.name;
  if (Array.isArray(entry.inbound_nodes)) out.inbound_nodes = entry.inbound_nodes.map((n) => inboundNode(n, where, w));
  return out;
}

function layerConfig(className: string, config: JsonObject, where: string, w: Walk): JsonObject {
  const out = plain(config) as JsonObject;
  if (typeof out.dtype !== 'string' && out.dtype !== undefined && out.dtype !== null) out.dtype = 'float32';
  if (className === 'InputLayer' && out.batch_shape !== undefined && out.batch_input_shape === undefined) {
    out.batch_input_shape = out.batch_shape;
    delete out.batch_shape;
  }
  if (className === 'LeakyReLU' && out.negative_slope !== undefined && out.alpha === undefined) {
    out.alpha = out.negative_slope;
    delete out.negative_slope;
  }
  if (className === 'BatchNormalization' && Array.isArray(out.axis) && out.axis.length === 1) out.axis = out.axis[0];
  // TF.js camel-cases string values before looking an activation up ('hard_sigmoid' → 'hardSigmoid').
  if (typeof out.activation === 'string' && !w.known.has(camelCase(out.activation))) {
    w.refused.push(`${where} (${className}) uses the activation "${out.activation}", which TensorFlow.js does not implement`);
  }
  for (const rule of IGNORED_BY_TFJS) {
    if (!rule.classes.test(className) || !(rule.arg in out)) continue;
    if (!rule.harmless.some((h) => h === out[rule.arg])) {
      w.refused.push(`${where} (${className}) has ${rule.arg}=${JSON.stringify(out[rule.arg])}, which TensorFlow.js ` +
        'would ignore');
    }
  }
  if (CONTAINERS.has(className) && Array.isArray(config.layers)) {
    const layers = config.layers.filter(isObject);
    // Keras 3 counts a nested Sequential's calls from 0; TF.js (like Keras 2) gives every nested model a built-in
    // node 0, so its first call is node 1. A nested Functional already counts its built-in node in both.
    const keras3 = layers.some((l) => Array.isArray(l.inbound_nodes) && l.inbound_nodes.some(isObject));
    const shifted = new Set(keras3 ? layers.filter((l) => l.class_name === 'Sequential').map(layerName) : []);
    const inner = { ...w, shifted };
    out.layers = layers.map((l) => layerEntry(l, inner));
    for (const key of ['input_layers', 'output_layers'] as const) {
      let v = out[key];
      // One input or output is written by Keras 3 as the bare [layer, node, tensor] triple.
      if (Array.isArray(v) && typeof v[0] === 'string') v = [v];
      if (Array.isArray(v)) out[key] = v.map((t) => Array.isArray(t) ? shift(t as [string, number, number], shifted) : t);
    }
  }
  return out;
}

const layerName = (l: JsonObject): string =>
  isObject(l.config) && typeof l.config.name === 'string' ? l.config.name : String(l.name);

function shift([layer, node, tensor, ...rest]: Json[], shifted: Set<string>): Json[] {
  return [layer, typeof node === 'number' && shifted.has(String(layer)) ? node + 1 : node, tensor, ...rest];
}

/** TF.js' own snake_case → camelCase (generic_utils.toCamelCase), which it applies to keys and string values. */
const camelCase = (s: string) => s.replace(/_+(\w|$)/g, (_m, c: string) => c.toUpperCase());

/**
 * Keras 3 serialised objects (`{module, class_name, config, registered_name}`) as Keras 2 wrote them
 * (`{class_name, config}`), tuples as lists, DTypePolicy objects as dtype names; everything else as it is.
 */
function plain(v: Json): Json {
  if (Array.isArray(v)) return v.map(plain);
  if (!isObject(v)) return v;
  if (v.class_name === '__tuple__' && isObject(v.config) && Array.isArray(v.config.value)) return v.config.value.map(plain);
  if (/DTypePolicy$/.test(String(v.class_name ?? '')) && isObject(v.config)) return 'float32';
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if ('class_name' in v && (k === 'module' || k === 'registered_name' || k === 'build_config' || k === 'compile_config')) continue;
    out[k] = k === 'layers' ? x : plain(x);
  }
  return out;
}

/** One call of a layer in Keras 2 form: [[layer, node, tensor, kwargs], …]. */
function inboundNode(node: Json, where: string, w: Walk): Json {
  if (Array.isArray(node)) return node;
  if (!isObject(node) || !Array.isArray(node.args)) {
    w.refused.push(`${where} has an inbound node TensorFlow.js cannot read: ${JSON.stringify(node).slice(0, 120)}`);
    return [];
  }
  const kwargs: JsonObject = {};
  for (const [k, v] of Object.entries(isObject(node.kwargs) ? node.kwargs : {})) {
    if (kerasTensors(v).length > 0) {
      w.refused.push(`${where} takes a tensor as its "${k}" argument, which TensorFlow.js cannot wire`);
    } else if (v !== null) {
      kwargs[k] = plain(v);
    }
  }
  return kerasTensors(node.args).map((h) => [...shift(h, w.shifted), kwargs]);
}

/** The [layer, node, tensor] of every Keras 3 `__keras_tensor__` in `v`, in order. */
function kerasTensors(v: Json): [string, number, number][] {
  if (Array.isArray(v)) return v.flatMap(kerasTensors);
  if (!isObject(v)) return [];
  if (v.class_name === '__keras_tensor__' && isObject(v.config) && Array.isArray(v.config.keras_history)) {
    const [layer, node, tensor] = v.config.keras_history;
    return [[String(layer), Number(node), Number(tensor)]];
  }
  return Object.values(v).flatMap(kerasTensors);
}
