// Bench-only workaround that lets tfjs-backend-wasm 4.22 run its multi-threaded (pthreads) build in Node.
//
// tfjs turns threads off in Node (WASM_HAS_MULTITHREAD_SUPPORT returns false when IS_NODE, tfjs issue #3830), so
// setThreadsCount(n) alone leaves getThreadsCount() at 1. Forcing the flag is not enough either: the threaded
// build hands its workers two Blob URLs (the worker script and the factory's own source), which Node's
// worker_threads and the worker's fs-based importScripts cannot open, and the factory's source refers to the
// Node bundle's module-scope names (require$$0 = fs, commonjsGlobal, …) that do not exist inside a worker.
// So: remember what each Blob was made of, turn the worker Blob URL into a temp file that first defines those
// names, and point its importScripts at a temp copy of the factory.
// Last trap: the C side caps the pool at emscripten_num_logical_cores() / 2 ("x86 has 2 threads per core"),
// which is os.cpus().length / 2 in Node, so a 2-vCPU machine gets 1 thread; os.cpus() reports 2 × threads
// while the module initialises.
// Call before loadEngine('wasm'), and the returned restore() after it.
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';

const FACTORY_MARK = 'var WasmBackendModuleThreadedSimd';

export function enableWasmThreads(threads: number): () => void {
  patchBlobUrls();
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasmBackend.setThreadsCount(threads);
  const realCpus = os.cpus;
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => realCpus()[i % realCpus().length]);
  return () => {
    os.cpus = realCpus;
  };
}

function patchBlobUrls(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-wasm-threads-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const parts = new WeakMap<Blob, string>();
  let factoryFile: string | undefined;

  const NativeBlob = globalThis.Blob;
  globalThis.Blob = class extends NativeBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const blobParts = args[0];
      if (!blobParts?.every((p) => typeof p === 'string')) return;
      const text = blobParts.join('');
      parts.set(this, text);
      // The factory Blob never goes through createObjectURL on this side: it is posted to each worker.
      if (text.startsWith(FACTORY_MARK)) {
        factoryFile = path.join(dir, 'factory.js');
        fs.writeFileSync(factoryFile, text);
      }
    }
  } as typeof Blob;

  const nativeCreate = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (obj: Blob) => {
    const text = parts.get(obj);
    if (text === undefined) return nativeCreate(obj);
    if (!factoryFile) return nativeCreate(obj);
    const worker = text
      .replace('if(typeof e.data.urlOrBlob=="string")', 'if(true)')
      .replace('importScripts(e.data.urlOrBlob)', `importScripts(${JSON.stringify(factoryFile)})`);
    const prelude = "Object.assign(globalThis,{require$$0:require('fs'),require$$1:require('path'),require$$3:require('perf_hooks')," +
      "require$$4:require('os'),commonjsGlobal:globalThis,__dirname,__filename,_scriptDir:__filename});\n";
    const file = path.join(dir, `worker-${Math.random().toString(36).slice(2)}.js`);
    fs.writeFileSync(file, prelude + worker);
    return file;
  };
}
