// HDF5 through h5wasm (the HDF5 C library compiled to WebAssembly, reading and writing; the wasm is inlined in its
// JavaScript, so nothing but JavaScript has to ship: the trainer bundles load it from dist/h5wasm.js, see
// esbuild.mjs). Its Node build opens real files (Emscripten's NODERAWFS), so a weights file is never copied into
// memory first.
//
// HDF5 reports a failure by printing its error stack to stderr and returning a negative id, which h5wasm turns
// into "name not defined!". The library's throwing error handler is switched on once instead, and the stack it
// throws is reduced to its innermost line ("file signature not found") in a sentence that names the file.
import { promises as fsp } from 'node:fs';
import { BadInputError } from '../../runtime/jobContext';
import { fsError } from '../../runtime/fsErrors';

export type H5 = typeof import('h5wasm/node');
export type H5File = InstanceType<H5['File']>;
export type H5Group = InstanceType<H5['Group']>;
export type H5Dataset = InstanceType<H5['Dataset']>;

let loading: Promise<H5> | undefined;

/** h5wasm, loaded on first use: its module holds ~4 MB of wasm that a job without Keras files never compiles. */
export function h5wasm(): Promise<H5> {
  loading ??= (async () => {
    const h5 = await import('h5wasm/node');
    // `ready` resolves to the wasm module. The `Module` export is not read: imported from the CommonJS
    // dist/h5wasm.js, a namespace holds the value it had when imported, before `ready`.
    (await h5.ready).activate_throwing_error_handler();
    return h5;
  })();
  return loading;
}

/** HDF5's superblock signature; it sits at 0 or, after a user block, at 512, 1024, 2048, … */
const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

export async function isHdf5(file: string): Promise<boolean> {
  const handle = await fsp.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buf = Buffer.alloc(SIGNATURE.length);
    for (let at = 0; at + SIGNATURE.length <= size; at = at === 0 ? 512 : at * 2) {
      await handle.read(buf, 0, buf.length, at);
      if (buf.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/** The innermost reason of an HDF5 error stack ("file signature not found"), or the message's first line. */
export function hdf5Reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const reasons = [...msg.matchAll(/#\d+: .* in \w+\(\): (.+)$/gm)].map((m) => m[1].trim());
  return reasons.at(-1) ?? msg.split('\n')[0];
}

/** Opens `file` for reading; a missing, unreadable or non-HDF5 file is a sentence naming it. */
export async function openForReading(file: string, what = 'a Keras HDF5 file'): Promise<H5File> {
  try {
    if (!(await isHdf5(file))) {
      throw new BadInputError(`${file} is not ${what}: it has no HDF5 signature`, file);
    }
  } catch (e) {
    if (e instanceof BadInputError) throw e;
    throw await fsError(e, { file, doing: 'reading' });
  }
  const h5 = await h5wasm();
  try {
    return new h5.File(file, 'r');
  } catch (e) {
    throw new BadInputError(`cannot open ${file} as HDF5: ${hdf5Reason(e)}`, file);
  }
}

/** Runs `read` on the open file and closes it, whatever happens. */
export async function withH5<T>(file: string, read: (f: H5File) => T | Promise<T>, what?: string): Promise<T> {
  const f = await openForReading(file, what);
  try {
    return await read(f);
  } finally {
    f.close();
  }
}

export function isGroup(h5: H5, obj: unknown): obj is H5Group {
  return obj instanceof h5.Group;
}

export function isDataset(h5: H5, obj: unknown): obj is H5Dataset {
  return obj instanceof h5.Dataset;
}

const hasAttr = (obj: H5Group, name: string) => Object.prototype.hasOwnProperty.call(obj.attrs, name);

/** A string attribute, or a string-array attribute as an array; undefined when absent. Bytes are decoded as UTF-8. */
export function stringAttr(obj: H5Group, name: string): string | string[] | undefined {
  if (!hasAttr(obj, name)) return undefined;
  const attr = obj.attrs[name];
  const v = attr.value;
  // Keras stores UTF-8 bytes (`name.encode('utf8')`) under HDF5's ASCII character set, which h5wasm decodes as
  // Latin-1: a non-ASCII layer name would come back as mojibake, so those strings are decoded again as UTF-8.
  const ascii = (attr.metadata as { cset?: number }).cset === 0;
  const one = (x: unknown): string => x instanceof Uint8Array ? Buffer.from(x).toString('utf8')
    : ascii ? Buffer.from(String(x), 'latin1').toString('utf8') : String(x);
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return one(v);
  // An empty list is written by Keras as a float64 array of length 0 (numpy's default dtype for []).
  if (ArrayBuffer.isView(v)) return (v as { length: number }).length === 0 ? [] : undefined;
  return Array.isArray(v) ? v.map(one) : one(v);
}

/**
 * `stringAttr` as a list: a scalar string becomes a one-item list. Keras splits a list attribute too long for an
 * HDF5 object header (64 KiB) into `name0`, `name1`, …; those are joined back.
 */
export function stringListAttr(obj: H5Group, name: string): string[] | undefined {
  if (!hasAttr(obj, name) && hasAttr(obj, `${name}0`)) {
    const out: string[] = [];
    for (let i = 0; hasAttr(obj, `${name}${i}`); i++) out.push(...(stringListAttr(obj, `${name}${i}`) ?? []));
    return out;
  }
  const v = stringAttr(obj, name);
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

/** A float dataset's values as float32; `where` names it in the error for any other type. */
export function float32Values(ds: H5Dataset, where: string): Float32Array {
  let v: unknown;
  try {
    v = ds.value;
  } catch (e) {
    throw new BadInputError(`cannot read ${where}: ${hdf5Reason(e)}`);
  }
  if (v instanceof Float32Array) return v;
  if (v instanceof Float64Array) return Float32Array.from(v);
  if (typeof v === 'number') return Float32Array.of(v);
  throw new BadInputError(`${where} holds ${JSON.stringify(ds.dtype)} values; only float32 and float64 weights load`);
}
