// The learning curve's speed on the shared dogs-vs-cats split (1,120 training images) with mobilenet_v1_0.25,
// through the real CLI: the first embedding, then 6 sizes × 3 repeats from the cache, against a budget of 60 s.
// Reference measured in the same run: one feature-extractor training of the same head on the same cache.
// Prints one JSON object. Run: npm run build && node --import tsx bench/learningCurve.ts
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/cli.js');
const SHARED = process.env.TL_SHARED ?? path.resolve(ROOT, '../shared');
const V1 = path.join(SHARED, 'models/mobilenet_v1_0.25_224_layers');
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-curve-'));
const cache = path.join(work, 'cache');

interface CurveJson { points: { size: number }[]; total: number; engine: string; diagnosis: string; seconds: { embedding: number; curve: number; curveCpu: number } }
interface TrainJson { seconds: { training: number }; best: { epoch: number } }

function cli<T>(args: string[]): { json: T; wall: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CLI, ...args, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`transfer-lab ${args[0]} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return { json: JSON.parse(r.stdout.trim().split('\n').at(-1)!), wall: (Date.now() - t0) / 1000 };
}

function main() {
  const dogs = path.join(work, 'dogs');
  cli(['prepare', path.join(SHARED, 'data/dogs-vs-cats'), '--out', dogs, '--val', '0.2', '--seed', '42', '--copy']);
  const warm = cli<CurveJson>(['learning-curve', dogs, '--backbone', V1, '--cache', cache, '--sizes', '4,8', '--repeats', '1']);
  const curve = cli<CurveJson>(['learning-curve', dogs, '--backbone', V1, '--cache', cache, '--repeats', '3']);
  const reference = cli<TrainJson>(['train', dogs, '--backbone', V1, '--cache', cache, '--runs', path.join(work, 'runs'), '--augment', '0']);
  const points = curve.json.points;
  const fits = points.length * 3;
  console.log(JSON.stringify({
    bench: 'learningCurve', engine: curve.json.engine, backbone: 'mobilenet_v1_0.25_224', trainImages: curve.json.total, sizes: points.map((p) => p.size),
    repeats: 3, fits, cpus: os.cpus().length,
    firstEmbeddingSeconds: round(warm.json.seconds.embedding), cachedWallSeconds: round(curve.wall), curveSeconds: round(curve.json.seconds.curve),
    curveCpuSeconds: round(curve.json.seconds.curveCpu), secondsPerFit: round(curve.json.seconds.curve / fits, 2), budgetSeconds: 60,
    withinBudget: curve.wall < 60, diagnosis: curve.json.diagnosis,
    reference: { what: 'one feature-extractor training (recipe head, early stopping) on the same cache', trainingSeconds: round(reference.json.seconds.training), epochs: reference.json.best.epoch },
  }));
  fs.rmSync(work, { recursive: true, force: true });
}

main();
