// A whole Keras model file: its architecture (the config JSON), the Keras version that wrote it, and its weights by
// layer name.
//
//   .h5      Keras 2 full model: root attributes model_config (JSON), keras_version, backend, training_config;
//            weights under model_weights/ (see kerasWeights.ts)
//   .keras   Keras 3: a zip of config.json, metadata.json ({"keras_version": …}) and model.weights.h5, whose
//            weights are named by class path (layers/conv2d_1/vars/0); the config says which layer each path is
import { unzipSync } from 'fflate';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { errnoOf, fsError } from '../../runtime/fsErrors';
import { BadInputError } from '../../runtime/jobContext';
import { h5wasm, stringAttr, withH5 } from './h5File';
import { weightsOf, type KerasWeight, type KerasWeights } from './kerasWeights';

export interface KerasModelFile {
  /** The model's config as Keras wrote it: {class_name, config, …}. */
  modelConfig: unknown;
  kerasVersion?: string;
  /** Top-level layer name → its weights (a nested model's weights are named by their inner layer). */
  weights: KerasWeights;
  /**
   * An .h5's other string attributes at the root, which Keras ignores: where a Transfer Lab export keeps the classes
   * and preprocessing (writeKerasH5's metadata). Empty for a .keras file.
   */
  attributes: Record<string, string>;
}

/** Root attributes Keras itself writes and reads. */
const KERAS_OWN = new Set(['model_config', 'keras_version', 'backend', 'training_config']);

const ZIP_SIGNATURE = Buffer.from('PK\x03\x04', 'latin1');

export async function readKerasModelFile(file: string): Promise<KerasModelFile> {
  let head: Buffer;
  try {
    const handle = await fsp.open(file, 'r');
    try {
      head = Buffer.alloc(4);
      await handle.read(head, 0, 4, 0);
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw await fsError(e, { file, doing: 'reading' });
  }
  return head.equals(ZIP_SIGNATURE) ? readKerasZip(file) : readKerasH5(file);
}

async function readKerasH5(file: string): Promise<KerasModelFile> {
  const h5 = await h5wasm();
  return withH5(file, (f) => {
    const config = stringAttr(f, 'model_config');
    if (typeof config !== 'string') {
      throw new BadInputError(`${file} holds weights but no model (it has no model_config attribute)`, file,
        'A weights-only file (save_weights, keras-applications downloads) needs the architecture built in code; ' +
        'save the model with model.save() to load it as a file.');
    }
    const version = stringAttr(f, 'keras_version');
    const attributes: Record<string, string> = {};
    for (const name of Object.keys(f.attrs)) {
      const v = KERAS_OWN.has(name) ? undefined : stringAttr(f, name);
      if (typeof v === 'string') attributes[name] = v;
    }
    return {
      modelConfig: parseJson(config, `${file}: model_config`),
      kerasVersion: typeof version === 'string' ? version : undefined,
      weights: weightsOf(h5, f, file).weights,
      attributes,
    };
  });
}

async function readKerasZip(file: string): Promise<KerasModelFile> {
  let entries: Record<string, Uint8Array>;
  try {
    const wanted = new Set(['config.json', 'metadata.json', 'model.weights.h5']);
    entries = unzipSync(await fsp.readFile(file), { filter: (e) => wanted.has(e.name) });
  } catch (e) {
    if (errnoOf(e)) throw await fsError(e, { file, doing: 'reading' });
    throw new BadInputError(`${file} is not a readable .keras file: ${(e as Error).message}`, file);
  }
  const missing = ['config.json', 'model.weights.h5'].filter((n) => !entries[n]);
  if (missing.length > 0) {
    throw new BadInputError(`${file} is not a Keras 3 model: the zip has no ${missing.join(' and no ')}`, file);
  }
  const modelConfig = parseJson(Buffer.from(entries['config.json']).toString('utf8'), `${file}: config.json`);
  const metadata = entries['metadata.json']
    ? parseJson(Buffer.from(entries['metadata.json']).toString('utf8'), `${file}: metadata.json`) as { keras_version?: unknown }
    : {};
  // h5wasm opens files by path, so the weights are read from a private temp copy.
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tl-keras-'));
  try {
    const weightsFile = path.join(dir, 'model.weights.h5');
    await fsp.writeFile(weightsFile, entries['model.weights.h5']);
    const h5 = await h5wasm();
    const byPath = await withH5(weightsFile, (f) => weightsOf(h5, f, `${file}: model.weights.h5`).weights);
    return {
      modelConfig,
      kerasVersion: typeof metadata.keras_version === 'string' ? metadata.keras_version : undefined,
      weights: keras3ByLayerName(modelConfig, byPath, file),
      attributes: {},
    };
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BadInputError(`${where} is not valid JSON (${(e as Error).message})`);
  }
}

/** Keras' naming.to_snake_case, which names a layer's weights group after its class. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

type Entry = { class_name?: unknown; config?: { name?: unknown; layers?: unknown } };

/**
 * Keras 3 saves a model's layers under `layers/<snake_case class>`, numbered `_1`, `_2`… by repeats of a class in
 * the model's `layers` order (a Sequential's leaves out its InputLayer), and a nested model's under its own path.
 * This walks the config the same way to tell which layer each path is: path → [top-level layer, layer].
 */
export function keras3LayerPaths(modelConfig: unknown): Map<string, { top: string; layer: string }> {
  const out = new Map<string, { top: string; layer: string }>();
  const walk = (container: Entry, prefix: string, top: string | undefined) => {
    const layers = Array.isArray(container.config?.layers) ? (container.config.layers as Entry[]) : [];
    const used = new Map<string, number>();
    for (const l of layers) {
      const cls = String(l.class_name);
      if (container.class_name === 'Sequential' && cls === 'InputLayer') continue;
      const snake = toSnakeCase(cls);
      const n = used.get(snake);
      used.set(snake, n === undefined ? 0 : n + 1);
      const p = `${prefix}layers/${n === undefined ? snake : `${snake}_${n + 1}`}`;
      const name = String(l.config?.name);
      if (Array.isArray(l.config?.layers)) walk(l, `${p}/`, top ?? name);
      else out.set(p, { top: top ?? name, layer: name });
    }
  };
  walk(modelConfig as Entry, '', undefined);
  return out;
}

function keras3ByLayerName(modelConfig: unknown, byPath: KerasWeights, file: string): KerasWeights {
  const paths = keras3LayerPaths(modelConfig);
  const out: KerasWeights = new Map();
  for (const [p, weights] of byPath) {
    const at = paths.get(p);
    if (!at) {
      throw new BadInputError(`${file}: model.weights.h5 has weights at ${p}, which no layer in config.json ` +
        'corresponds to', file);
    }
    const named: KerasWeight[] = weights.map((w) => ({ ...w, name: `${at.layer}/vars/${w.name.split('/').at(-1)}` }));
    out.set(at.top, [...(out.get(at.top) ?? []), ...named]);
  }
  return out;
}
