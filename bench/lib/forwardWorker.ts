// One tfjs engine as a line server for bench/forward.ts (backends and kernel registrations are process-wide, so
// each engine variant gets its own process). Usage: node --import tsx bench/lib/forwardWorker.ts <variant>
//   wasm                  the engine as the trainer loads it (tfjs keeps wasm single-threaded in Node)
//   wasm-setThreadsCount  setThreadsCount(2) first: what a user would try; tfjs still runs 1 thread
//   wasm-threads          the bench-only workaround in wasmThreads.ts: the pthreads build with 2 threads
//   wasm-workers          what the jobs run: the trainer's forward workers, one single-threaded wasm instance per
//                         thread (2 here), each taking half of the batch; the model goes to disk so they can load it
//   cpu                   the pure-JS backend
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import type * as tfType from '@tensorflow/tfjs';
import { LayersBackbone, loadBackbone, type Backbone } from '../../src/trainer/model/backbone';
import { loadEngine, type EngineInfo, type Tf } from '../../src/trainer/engine/engine';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mulberry32 } from '../../src/core/seededRandom';
import { backboneForward, type BatchForward } from '../../src/trainer/forward/batchForward';
import { fileSystemSaver } from '../../src/trainer/model/modelFiles';
import { serveLines } from './lineWorker';
import { TEACHABLE } from './paths';
import { buildMobileNetV2 } from './mobilenetV2';
import { enableWasmThreads } from './wasmThreads';


const WORKERS = 2;

async function engine(variant: string): Promise<{ tf: Tf; info: EngineInfo }> {
  if (variant === 'cpu') return loadEngine('cpu');
  if (variant === 'wasm-workers') return loadEngine('wasm');
  let restore = () => undefined as void;
  if (variant === 'wasm-setThreadsCount') wasmBackend.setThreadsCount(2);
  if (variant === 'wasm-threads') restore = enableWasmThreads(2);
  try {
    return await loadEngine('wasm');
  } finally {
    restore();
  }
}

async function timeEmbed(backbone: Backbone, x: tfType.Tensor4D): Promise<number> {
  const t = process.hrtime.bigint();
  const y = backbone.embed(x);
  await y.data();
  y.dispose();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function main() {
  const variant = process.argv[2];
  const { tf, info } = await engine(variant);
  let backbone: Backbone | undefined;
  let x: tfType.Tensor4D | undefined;
  let pool: BatchForward | undefined;
  let images: Uint8Array[] = [];
  const timePool = async () => {
    const t = process.hrtime.bigint();
    const half = Math.ceil(images.length / WORKERS);
    await Promise.all(Array.from({ length: WORKERS }, (_, k) => pool!.run(images.slice(k * half, (k + 1) * half))));
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  serveLines(async (m) => {
    if (m.cmd === 'setup') {
      backbone?.dispose();
      x?.dispose();
      await pool?.dispose();
      const [alpha, size, batch] = [Number(m.alpha), Number(m.size), Number(m.batch)];
      backbone = m.model === 'teachable'
        ? await loadBackbone({ source: TEACHABLE })
        : new LayersBackbone(`mobilenet_v2_${alpha}_${size}`, buildMobileNetV2(tf, alpha, size), undefined, { source: 'built' });
      x = tf.randomUniform([batch, size, size, 3], -1, 1) as tfType.Tensor4D;
      if (variant === 'wasm-workers') {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-forward-'));
        await (backbone as LayersBackbone).model.save(fileSystemSaver(dir));
        const saved = await loadBackbone({ source: dir, preprocessing: backbone.preprocessing });
        const ctx = { emit: () => undefined, signal: new AbortController().signal };
        pool = backboneForward(tf, saved, { size, engine: 'wasm', workers: WORKERS, ctx });
        const r = mulberry32(size);
        images = Array.from({ length: batch }, () => Uint8Array.from({ length: size * size * 3 }, () => Math.floor(r() * 256)));
        for (let i = 0; i < Number(m.warmup ?? 1); i++) await timePool();
        saved.dispose();
        fs.rmSync(dir, { recursive: true, force: true });
        return { backend: info.backend, wasmThreads: 1, workers: pool.threads, batch };
      }
      for (let i = 0; i < Number(m.warmup ?? 1); i++) await timeEmbed(backbone, x);
      return { backend: info.backend, wasmThreads: variant === 'cpu' ? undefined : wasmBackend.getThreadsCount(), batch };
    }
    if (m.cmd === 'run') return { seconds: pool ? await timePool() : await timeEmbed(backbone!, x!) };
    throw new Error(`unknown command ${String(m.cmd)}`);
  });
}

void main();
