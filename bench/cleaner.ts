// The data cleaner on the shared Dogs vs Cats photos, through the built CLI as a user runs it: prepare, train the
// feature extractor with its defaults (mobilenet_v2_0.35_224, seed 42), evaluate, and list the 20 val images with the
// highest loss (-log p(truth), right or wrong). Each was looked at by a person; VERDICTS holds what they saw. The files
// judged mislabeled or not a cat/dog photo are excluded with `transfer-lab relabel --exclude`; when there are none,
// the ambiguous ones are (ANY=1 says which rule ran), so the retrain's cost and the val-set effect are still measured.
// The retrain uses the same seed; the reference is the uncleaned run in the same bench. Both models are measured on
// the cleaned val split and on the uncleaned one, to tell a real gain from a smaller val set.
// Run: npm run build && node --import tsx bench/cleaner.ts > bench/out/cleaner.json
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './lib/cliRun';
import { DOGS_VS_CATS } from './lib/paths';
import { loadAverage, round } from './lib/stats';

type Verdict = 'mislabeled' | 'not a cat or dog photo' | 'ambiguous' | 'genuinely hard';
/** What a person saw in each of the default run's top 20 val losses (2026-12-04, viewed at 360 px). */
const VERDICTS: Record<string, { verdict: Verdict; note: string }> = {
  'val/dog/dog.561.jpg': { verdict: 'genuinely hard', note: 'German shepherd, blurred, inside a drawn picture frame' },
  'val/cat/cat.44.jpg': { verdict: 'ambiguous', note: 'tabby kitten in front, a dog standing behind it' },
  'val/dog/dog.109.jpg': { verdict: 'genuinely hard', note: 'white fluffy dog lying down, face turned up' },
  'val/cat/cat.23.jpg': { verdict: 'genuinely hard', note: 'black kitten on a cat tree, small in the frame' },
  'val/dog/dog.207.jpg': { verdict: 'genuinely hard', note: 'black curly poodle, no face visible' },
  'val/dog/dog.505.jpg': { verdict: 'genuinely hard', note: 'black curly dog seen from above, flash glare' },
  'val/dog/dog.689.jpg': { verdict: 'genuinely hard', note: 'black-and-tan puppy behind a wire fence' },
  'val/cat/cat.376.jpg': { verdict: 'genuinely hard', note: 'calico kitten inside a watering can' },
  'val/cat/cat.254.jpg': { verdict: 'genuinely hard', note: 'two kittens in a cage, one half out of frame' },
  'val/dog/dog.92.jpg': { verdict: 'genuinely hard', note: 'small terrier, head thrown back' },
  'val/dog/dog.472.jpg': { verdict: 'genuinely hard', note: 'white chihuahua on an armchair, cat-like pose' },
  'val/dog/dog.526.jpg': { verdict: 'genuinely hard', note: 'shepherd mix on a chain, side view' },
  'val/dog/dog.281.jpg': { verdict: 'genuinely hard', note: 'black cocker spaniel on a bed' },
  'val/cat/cat.257.jpg': { verdict: 'genuinely hard', note: 'grey cat held by a woman (a person fills half the frame)' },
  'val/cat/cat.506.jpg': { verdict: 'genuinely hard', note: 'black kitten on red cloth, close-up' },
  'val/cat/cat.113.jpg': { verdict: 'genuinely hard', note: 'grey kitten lying on its side' },
  'val/cat/cat.689.jpg': { verdict: 'genuinely hard', note: 'dark kitten held in two hands' },
  'val/dog/dog.669.jpg': { verdict: 'genuinely hard', note: 'clipped pomeranian from above, another dog behind' },
  'val/dog/dog.221.jpg': { verdict: 'genuinely hard', note: 'terrier puppy with big ears and a pink harness' },
  'val/cat/cat.169.jpg': { verdict: 'genuinely hard', note: 'ginger cat walking in a vet clinic' },
};
const WRONG_DATA: readonly Verdict[] = ['mislabeled', 'not a cat or dog photo'];
const TOP = 20;

interface Prediction { file: string; truth: string; predicted: string; probabilities: number[] }
interface Evaluation { count: number; accuracy: number; logLoss: number }

const metricsOf = (r: Record<string, unknown>) => {
  const e = r as unknown as Evaluation;
  return { count: e.count, accuracy: round(e.accuracy, 4), logLoss: round(e.logLoss, 4) };
};

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-cleaner-'));
  const prepared = path.join(work, 'prepared');
  const common = ['--runs', path.join(work, 'runs'), '--cache', path.join(work, 'cache')];
  const load = [loadAverage()];
  try {
    await runCli(['prepare', DOGS_VS_CATS, '--out', prepared]);
    const base = await runCli(['train', prepared, '--backbone', 'mobilenet_v2_0.35_224', '--seed', '42', ...common]);
    const baseDir = String(base.json.dir);
    await runCli(['evaluate', baseDir, '--top-losses', String(TOP)]);
    const evaluation = JSON.parse(fs.readFileSync(path.join(baseDir, 'evaluation.json'), 'utf8')) as
      { classes: string[]; predictions: Prediction[] };
    const rel = (f: string) => path.relative(prepared, f).split(path.sep).join('/');
    const top = evaluation.predictions.map((p) => {
      const truthP = p.probabilities[evaluation.classes.indexOf(p.truth)];
      return {
        file: rel(p.file), truth: p.truth, predicted: p.predicted,
        probability: round(Math.max(...p.probabilities), 4), loss: round(-Math.log(Math.max(truthP, 1e-15)), 3),
        ...(VERDICTS[rel(p.file)] as { verdict: Verdict | 'not looked at'; note: string } | undefined ??
          { verdict: 'not looked at', note: '' }),
      };
    }).sort((a, b) => b.loss - a.loss).slice(0, TOP);
    const unseen = top.filter((t) => t.verdict === 'not looked at').map((t) => t.file);
    if (unseen.length) process.stderr.write(`cleaner: not looked at yet (update VERDICTS): ${unseen.join(', ')}\n`);

    const wrongData = top.filter((t) => WRONG_DATA.includes(t.verdict as Verdict)).map((t) => t.file);
    const rule = wrongData.length ? 'mislabeled or not a cat/dog photo' : 'none of those: the ambiguous ones instead';
    const excluded = wrongData.length ? wrongData : top.filter((t) => t.verdict === 'ambiguous').map((t) => t.file);
    const relabel = await runCli(['relabel', prepared, ...excluded, '--exclude']);
    const retrain = await runCli(['train', prepared, '--backbone', 'mobilenet_v2_0.35_224', '--seed', '42', ...common]);
    const cleanDir = String(retrain.json.dir);
    load.push(loadAverage());

    // Each run on the val split it trained with; then each model on the other split (a model file reads dataset.json
    // as it is now: cleaned, then, after an undo, uncleaned; the exclusion is put back at the end).
    const model = (dir: string) => path.join(dir, 'model', 'model.json');
    const baseOnFull = metricsOf((await runCli(['evaluate', baseDir])).json);
    const cleanOnClean = metricsOf((await runCli(['evaluate', cleanDir])).json);
    const baseOnClean = metricsOf((await runCli(['evaluate', model(baseDir), '--dataset', prepared])).json);
    await runCli(['relabel', prepared, ...excluded, '--undo']);
    const cleanOnFull = metricsOf((await runCli(['evaluate', model(cleanDir), '--dataset', prepared])).json);
    await runCli(['relabel', prepared, ...excluded, '--exclude']);

    const best = (r: Record<string, unknown>) => r.best as { epoch: number; valAcc: number; valLoss: number };
    process.stdout.write(JSON.stringify({
      bench: 'cleaner',
      data: 'shared dogs-vs-cats: 1,400 train photos (prepare splits 1,120 / 280), default prepare settings',
      model: 'mobilenet_v2_0.35_224 (bundled) feature extractor, every setting at its default, seed 42',
      loadAverage: load,
      topLosses: top,
      verdictCounts: Object.fromEntries(['mislabeled', 'not a cat or dog photo', 'ambiguous', 'genuinely hard']
        .map((v) => [v, top.filter((t) => t.verdict === v).length])),
      excludedRule: rule,
      excluded,
      relabel: { seconds: round(relabel.wallSeconds, 2), counts: relabel.json.counts },
      baseline: {
        seconds: round(base.wallSeconds, 1), best: best(base.json), counts: base.json.counts, cache: base.json.cache,
      },
      retrain: {
        seconds: round(retrain.wallSeconds, 1), best: best(retrain.json), counts: retrain.json.counts,
        cache: retrain.json.cache, cleaner: retrain.json.cleaner, phases: retrain.json.seconds,
      },
      evaluation: {
        'baseline model, uncleaned val': baseOnFull, 'baseline model, cleaned val': baseOnClean,
        'cleaned model, uncleaned val': cleanOnFull, 'cleaned model, cleaned val': cleanOnClean,
      },
    }, null, 1) + '\n');
  } finally {
    if (!process.env.TL_KEEP) fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
