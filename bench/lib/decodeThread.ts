// A worker thread that decodes for bench/decode.ts's worker-pool side: {i, file, size} in, {i, rgb} or {i, error}
// out. sharp's work still lands on the process's one libuv pool; what moves here is the JS that hands it over.
import { parentPort } from 'node:worker_threads';
import { decodeImage } from '../../src/trainer/images/imagePipeline';

export interface DecodeRequest { i: number; file: string; size: number }
export type DecodeReply = { i: number; rgb: Uint8Array } | { i: number; error: string };

parentPort!.on('message', (m: DecodeRequest) => {
  decodeImage(m.file, { size: m.size, resize: 'cover' }).then(
    (rgb) => parentPort!.postMessage({ i: m.i, rgb } satisfies DecodeReply),
    (e: unknown) => parentPort!.postMessage({ i: m.i, error: (e as Error).message } satisfies DecodeReply),
  );
});
