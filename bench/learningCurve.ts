// The learning curve's speed on the shared dogs-vs-cats split (1,120 training images) with mobilenet_v1_0.25,
// through the real CLI: the first embedding, then 6 sizes × 3 repeats from the cache, against a budget of 60 s.
// Reference measured in the same run: one feature-extractor training of the same head on the same cache.
// Prints one JSON object. Run: npm run build && node --import tsx bench/learningCurve.ts
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './lib/cliRun';
import { DOGS_VS_CATS, SHARED } from './lib/paths';
import { round } from './lib/stats';

const V1 = path.join(SHARED, 'models/mobilenet_v1_0.25_224_layers');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-curve-'));
const cache = path.join(work, 'cache');

interface CurveJson { points: { size: number }[]; total: number; engine: string; diagnosis: string; seconds: { embedding: number; curve: number; curveCpu: number } }
interface TrainJson { seconds: { training: number }; best: { epoch: number } }

async function cli<T>(args: string[]): Promise<{ json: T; wall: number }> {
  const r = await runCli(args);
  return { json: r.json as T, wall: r.wallSeconds };
}

async function main() {
  const dogs = path.join(work, 'dogs');
  await cli(['prepare', DOGS_VS_CATS, '--out', dogs, '--val', '0.2', '--seed', '42', '--copy']);
  const warm = await cli<CurveJson>(['learning-curve', dogs, '--backbone', V1, '--cache', cache, '--sizes', '4,8', '--repeats', '1']);
  const curve = await cli<CurveJson>(['learning-curve', dogs, '--backbone', V1, '--cache', cache, '--repeats', '3']);
  const reference = await cli<TrainJson>(['train', dogs, '--backbone', V1, '--cache', cache, '--runs', path.join(work, 'runs'), '--augment', '0']);
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

void main();
