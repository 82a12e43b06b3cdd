// Prepare Dataset throughput. Prints one JSON object: the scan (hash + metadata + full decode) over the shared images,
// with hashing alone as the reference measured in the same run, and a full prepare of generated images
// (TL_BENCH_FILES, default 25000), then its no-change re-run.
// Run: node --import tsx bench/prepare.ts
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { parsePrepareConfig, type PrepareResult } from '../src/core/jobs/prepare';
import { scanImages } from '../src/trainer/prepare/imageScan';
import { prepareJob } from '../src/trainer/jobs/prepare';
import { patternJpeg } from '../test/fixtures/syntheticImages';

const SHARED = process.env.TL_SHARED ?? path.resolve(__dirname, '../../shared');
const GENERATED = Number(process.env.TL_BENCH_FILES ?? 25000);
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function sharedImages(): string[] {
  const dirs = ['data/dogs-vs-cats/train', 'data/dogs-vs-cats/test'].map((d) => path.join(SHARED, d));
  const flowers = path.join(SHARED, 'data/flowers');
  if (fs.existsSync(flowers)) for (const c of fs.readdirSync(flowers)) dirs.push(path.join(flowers, c));
  return dirs.filter((d) => fs.existsSync(d)).flatMap((d) => fs.readdirSync(d).map((f) => path.join(d, f)));
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t = process.hrtime.bigint();
  const value = await fn();
  return { value, seconds: Number(process.hrtime.bigint() - t) / 1e9 };
}

async function benchShared() {
  const files = sharedImages();
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const hashOnly = await timed(async () => {
    for (const f of files) createHash('sha256').update(await fs.promises.readFile(f)).digest('hex');
  });
  const scan = await timed(() => scanImages(files, { concurrency: 4 }));
  const problems = scan.value.filter((s) => s.problem).length;
  return {
    files: files.length, megabytes: round(bytes / 1e6),
    reference_hash_only: { seconds: round(hashOnly.seconds, 2), files_per_s: round(files.length / hashOnly.seconds) },
    scan: { seconds: round(scan.seconds, 2), files_per_s: round(files.length / scan.seconds), mb_per_s: round(bytes / 1e6 / scan.seconds), problems },
  };
}

/** Kaggle-style: train/cat.N.jpg and train/dog.N.jpg, small and varied (sizes 64–160 px wide). */
async function generate(dir: string, n: number): Promise<void> {
  fs.mkdirSync(path.join(dir, 'train'), { recursive: true });
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const w = 64 + (i % 7) * 16;
      const jpeg = await patternJpeg(i + 1, w, Math.round(w * 0.75));
      await fs.promises.writeFile(path.join(dir, 'train', `${i % 2 ? 'dog' : 'cat'}.${i >> 1}.jpg`), jpeg);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

async function benchGenerated() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-prepare-'));
  const src = path.join(root, 'generated');
  const out = path.join(root, 'generated-prepared');
  const ctx = { emit: () => undefined, signal: new AbortController().signal };
  try {
    const gen = await timed(() => generate(src, GENERATED));
    const prepare = async (): Promise<PrepareResult> => {
      const r = await prepareJob(parsePrepareConfig({ source: src, out }), ctx);
      if ('undo' in r) throw new Error('prepare undid a folder instead of preparing it');
      return r;
    };
    const first = await timed(prepare);
    const again = await timed(prepare);
    const r = first.value;
    const images = r.images;
    return {
      files: images, generate_seconds: round(gen.seconds, 1),
      prepare: {
        seconds: round(first.seconds, 2),
        list_and_scan: { seconds: round(r.seconds.scan, 2), files_per_s: round(images / r.seconds.scan) },
        place: { seconds: round(r.seconds.place, 2), files_per_s: round(images / r.seconds.place), placed: r.placed },
        counts: r.counts, near_duplicate_pairs: r.nearDuplicates.length, excluded: r.excluded.length,
      },
      rerun_no_change: { seconds: round(again.seconds, 2), changed: again.value.changed },
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function main() {
  const shared = await benchShared();
  const generated = await benchGenerated();
  process.stdout.write(JSON.stringify({
    bench: 'prepare', node: process.version, cpus: os.availableParallelism(), sharp: sharp.versions.sharp, concurrency: 4,
    shared, generated,
  }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
