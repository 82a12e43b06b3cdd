// Grad-CAM checked, not just drawn, and what test-time augmentation buys, on the shared dogs-vs-cats validation split
// (280 photos) with the default run (`transfer-lab demo`: mobilenet_v2_0.35_224 feature extractor, all defaults):
//  - the share of correctly classified photos whose heatmap holds more of its mass inside the centre (the middle 50%
//    of the width and of the height) than on the border, and the explain job's seconds for all 280 (CLI);
//  - accuracy and log loss with --tta none (the reference), flip and flip+crops, and the seconds each evaluate takes,
//    the three interleaved over `REPEATS` rounds because the machine is shared (median seconds).
//  - with no run given, what train's val-grid heatmaps (48 Grad-CAM thumbnails) add to the demo's training.
// Prints one JSON object. Run: npm run build && node --import tsx bench/explain.ts [existing-run-dir]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { centreShare } from '../src/core/heatmapGeometry';
import { loadEngine } from '../src/trainer/engine/engine';
import { frozenSetting } from '../src/trainer/forward/batchForward';
import { loadSavedModel } from '../src/trainer/forward/savedModel';
import { Explainer } from '../src/trainer/explain/explainer';
import { writeOverlay } from '../src/trainer/explain/overlay';
import { decodeBatches } from '../src/trainer/images/imagePipeline';
import { runCli } from './lib/cliRun';
import { DOGS_VS_CATS } from './lib/paths';
import { median, round } from './lib/stats';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 2);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-explain-'));

interface Evaluation { count: number; accuracy: number; logLoss: number; seconds: number }
interface Prediction { file: string; truth: string; predicted: string }

async function centreShares(runDir: string, files: string[]): Promise<number[]> {
  const { tf } = await loadEngine('auto');
  const ctx = { emit: () => undefined, signal: new AbortController().signal };
  const saved = await loadSavedModel(tf, runDir, ctx);
  const explainer = Explainer.open(tf, saved, ctx, frozenSetting({}));
  const [h, w] = explainer.shape;
  const shares: number[] = [];
  const { inputSize: size, resize } = saved.meta;
  for await (const b of decodeBatches(files, { size, resize, batchSize: 32 })) {
    const explained = await explainer.explain(b.images, 'none');
    for (const [i, file] of b.files.entries()) {
      const o = await writeOverlay(file, explained[i].map, h, w, path.join(work, 'overlays', `${i}.jpg`),
        { size: 160, opacity: 0.5, resize });
      shares.push(centreShare(o.heat, o.width, o.height));
    }
  }
  await explainer.dispose();
  saved.model.dispose();
  return shares;
}

async function main() {
  let runDir = process.argv[2];
  let training: { wallSeconds: number; gridHeatmaps?: number; gridHeatmapSeconds?: number } | undefined;
  if (!runDir) {
    const demo = await runCli(['demo', DOGS_VS_CATS, '--work', path.join(work, 'lab'), '--json']);
    runDir = (demo.json as { run: string }).run;
    // What train's val grid heatmaps added to the run (the job logs it).
    const made = demo.stderrLines.map((l) => /grid heatmaps: (\d+) made in ([\d.]+) s/.exec(l.line)).find(Boolean);
    training = { wallSeconds: round(demo.wallSeconds, 2), ...(made ? { gridHeatmaps: Number(made[1]), gridHeatmapSeconds: Number(made[2]) } : {}) };
  }
  const evaluations: Record<string, Evaluation[]> = { none: [], flip: [], 'flip+crops': [] };
  for (let r = 0; r < REPEATS; r++) {
    for (const tta of Object.keys(evaluations)) {
      evaluations[tta].push((await runCli(['evaluate', runDir, '--tta', tta, '--top-losses', '0', '--json'])).json as unknown as Evaluation);
    }
  }
  // Run last, so evaluation.json holds the plain predictions the heatmaps are judged on.
  const plain = (await runCli(['evaluate', runDir, '--top-losses', '0', '--json'])).json as unknown as Evaluation;
  const predictions = (JSON.parse(fs.readFileSync(path.join(runDir, 'evaluation.json'), 'utf8')) as { predictions: Prediction[] }).predictions;
  const correct = predictions.filter((p) => p.truth === p.predicted).map((p) => p.file);
  const explainCli = await runCli(['explain', runDir, ...predictions.map((p) => p.file), '--out', path.join(work, 'explain'), '--json']);
  const shares = await centreShares(runDir, correct);
  const centreWins = shares.filter((s) => s > 0.5).length;
  // The centre is a quarter of the area: a flat map gives it 0.25, so above that its heat is denser than the border's.
  const denser = shares.filter((s) => s > 0.25).length;
  const tta = Object.fromEntries(Object.entries(evaluations).map(([k, runs]) => [k, {
    accuracy: round(runs[0].accuracy, 4), logLoss: round(runs[0].logLoss, 4), seconds: round(median(runs.map((x) => x.seconds)), 2),
  }]));
  console.log(JSON.stringify({
    bench: 'explain', run: runDir, valImages: plain.count, cpus: os.cpus().length,
    gradCam: {
      correct: correct.length, centreAboveBorder: centreWins, share: round(centreWins / correct.length, 3),
      centreDenserThanBorder: denser, denserShare: round(denser / correct.length, 3),
      medianCentreShare: round(median(shares), 3),
      note: 'centre = the middle 50% of the width and height (a quarter of the area); share of the heatmap mass there',
      explainSeconds: round((explainCli.json as { seconds: number }).seconds, 2), explainWallSeconds: round(explainCli.wallSeconds, 2),
    },
    tta, reference: 'tta none', repeats: REPEATS, ...(training ? { demo: training } : {}),
  }));
  fs.rmSync(work, { recursive: true, force: true });
}

void main();
