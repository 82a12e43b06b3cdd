// The guidance jobs on real data (the shared dogs-vs-cats images and mobilenet_v1_0.25), as a user runs them: the
// CLI, and the trainer child process the extension forks (needs `npm run build`). One embedding cache serves every
// scenario, so each image goes through the backbone once per cut. About three minutes on 2 cores.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { CurvePointEvent, GuidanceEvent, TrainerEvent } from '../../../../src/core/protocol';
import { TrainerJob } from '../../../../src/extension/trainerClient';
import { cliJson, ROOT, SHARED } from '../../../fixtures/cliRun';

const TRAINER = path.join(ROOT, 'dist/trainer.js');
const DOGS = path.join(SHARED, 'data/dogs-vs-cats');
const V1 = path.join(SHARED, 'models/mobilenet_v1_0.25_224_layers');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-guidance-'));
const cache = path.join(work, 'cache'), runs = path.join(work, 'runs');
const dogs = path.join(work, 'dogs-prepared');

const cli = (args: string[]) => cliJson([...args, '--json']);

interface Stat { mean: number; std: number }
interface CurveJson {
  points: { size: number; train: Stat; dev: Stat; trainDev?: Stat }[]; diagnosis: string; summary: string; moreDataLikelyHelps: boolean;
  evidence: { name: string; value: number }[]; actions: { id: string; title: string; command?: string }[]; total: number;
  seconds: { embedding: number; curve: number; curveCpu: number }; cache: { computed: number; fromCache: number };
}
const evidence = (r: { evidence: { name: string; value: number }[] }, name: string) => r.evidence.find((e) => e.name === name)?.value;

describe('guidance on real data (dogs-vs-cats, mobilenet_v1_0.25)', () => {
  after(() => fs.rmSync(work, { recursive: true, force: true }));
  before(() => {
    cli(['prepare', DOGS, '--out', dogs, '--val', '0.2', '--seed', '42', '--copy']);
  });

  it('speed: 6 sizes × 3 repeats on 1,120 training images take under 60 s once the embeddings are cached', (t) => {
    // A two-point curve fills the cache (1,400 images through the backbone), then the measured run reads it.
    const warm = cli(['learning-curve', dogs, '--backbone', V1, '--cache', cache, '--sizes', '4,8', '--repeats', '1']).json as CurveJson;
    assert.equal(warm.cache.computed, 1400);
    const { json, seconds } = cli(['learning-curve', dogs, '--backbone', V1, '--cache', cache, '--repeats', '3']);
    const r = json as CurveJson;
    t.diagnostic(`cached learning curve: ${seconds.toFixed(1)} s wall (curve ${r.seconds.curve.toFixed(1)} s, ${r.seconds.curveCpu.toFixed(1)} CPU s; embedding read ${r.seconds.embedding.toFixed(1)} s); first embedding ${warm.seconds.embedding.toFixed(1)} s`);
    t.diagnostic(`full data: ${r.diagnosis}; ${r.summary}`);
    assert.deepEqual(r.cache, { computed: 0, fromCache: 1400 });
    assert.equal(r.total, 1120);
    assert.equal(r.points.length, 6);
    assert.equal(r.points.at(-1)!.size, 1120);
    assert.ok(r.points[0].size <= 0.06 * 1120, `smallest point ${r.points[0].size}`);
    assert.ok(seconds < 60, `the cached curve took ${seconds.toFixed(1)} s`);
    // A sane curve: dev error at the full set is well below the smallest subset's, and train error stays under dev.
    assert.ok(r.points.at(-1)!.dev.mean < r.points[0].dev.mean, JSON.stringify(r.points));
    for (const p of r.points) assert.ok(p.train.mean <= p.dev.mean + 0.02, JSON.stringify(p));
  });

  it('variance: 20 images per class stream a curve whose diagnosis is variance, and more data is likely to help', async () => {
    const job = new TrainerJob(TRAINER, 'learning-curve', { dataset: dogs, backbone: V1, cacheDir: cache, maxPerClass: 20, desiredError: 0.05 });
    const events: TrainerEvent[] = [];
    job.on('event', (e) => events.push(e));
    const outcome = await job.outcome;
    assert.equal(outcome.status, 'done', JSON.stringify(outcome).slice(0, 500));
    const points = events.filter((e): e is CurvePointEvent => e.type === 'curvePoint');
    const guidance = events.find((e): e is GuidanceEvent => e.type === 'guidance')!;
    // Streamed as they arrive: every point before the diagnosis, each with the desired-error line.
    assert.equal(points.length, 6);
    assert.ok(events.indexOf(points.at(-1)!) < events.indexOf(guidance));
    assert.deepEqual(points.map((p) => p.size), [4, 6, 10, 16, 25, 40]);
    assert.ok(points.every((p) => p.desiredError === 0.05 && p.total === 40 && p.trainDev === undefined));
    assert.equal(guidance.kind, 'diagnosis');
    assert.equal(guidance.label, 'high-variance', guidance.summary);
    assert.equal(guidance.moreDataLikelyHelps, true, guidance.summary);
    assert.ok(['more-data', 'augment'].includes(guidance.recommendations[0].id), guidance.recommendations.map((r) => r.id).join());
    const v = evidence(guidance, 'variance')!, bias = evidence(guidance, 'avoidable bias')!;
    assert.ok(v > evidence(guidance, 'tolerance')! && v > bias, `variance ${v}, avoidable bias ${bias}`);
  });

  it('bias: a linear head on conv_pw_1_relu features with a 2% target is high avoidable bias, and more data is not the first advice', () => {
    const r = cli(['learning-curve', dogs, '--backbone', V1, '--cut', 'conv_pw_1_relu', '--head', 'linear', '--desired-error', '0.02',
      '--max-per-class', '150', '--cache', cache]).json as CurveJson;
    assert.equal(r.diagnosis, 'high-avoidable-bias', r.summary);
    assert.notEqual(r.actions[0].id, 'more-data');
    assert.equal(r.moreDataLikelyHelps, false);
    assert.ok(evidence(r, 'avoidable bias')! > 0.1, String(evidence(r, 'avoidable bias')));
    assert.equal(r.actions[0].id, 'later-cut', 'the first fix is the usual cut, conv_pw_13_relu');
  });

  it('mismatch: a blurred grayscale dev set against an unaltered train-dev split is diagnosed as data mismatch', async () => {
    const source = path.join(work, 'mismatch-src');
    const files = fs.readdirSync(path.join(DOGS, 'train')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    for (const cls of ['cat', 'dog']) {
      const mine = files.filter((f) => f.startsWith(`${cls}.`));
      fs.mkdirSync(path.join(source, 'train', cls), { recursive: true });
      fs.mkdirSync(path.join(source, 'val', cls), { recursive: true });
      for (const f of mine.slice(0, 250)) fs.copyFileSync(path.join(DOGS, 'train', f), path.join(source, 'train', cls, f));
      for (const f of mine.slice(250, 310)) {
        await sharp(path.join(DOGS, 'train', f)).resize(224, 224, { fit: 'fill' }).grayscale().blur(6).jpeg({ quality: 90 }).toFile(path.join(source, 'val', cls, f));
      }
    }
    const prepared = path.join(work, 'mismatch-prepared');
    const p = cli(['prepare', source, '--out', prepared, '--train-dev', '0.2', '--copy']).json as { counts: Record<string, Record<string, number>> };
    assert.deepEqual(p.counts['train-dev'], { cat: 50, dog: 50 });
    const r = cli(['learning-curve', prepared, '--backbone', V1, '--cache', cache, '--sizes', '25%,50%,100%', '--repeats', '2']).json as CurveJson;
    assert.equal(r.diagnosis, 'data-mismatch', r.summary);
    assert.equal(r.points.length, 3);
    assert.ok(r.points.every((pt) => pt.trainDev !== undefined));
    const [train, trainDev, dev] = ['train error', 'train-dev error', 'dev error'].map((n) => evidence(r, n)!);
    assert.ok(dev - trainDev > trainDev - train && dev - trainDev > 0.1, `train ${train}, train-dev ${trainDev}, dev ${dev}`);
    assert.ok(Math.abs(evidence(r, 'mismatch')! - (dev - trainDev)) < 1e-12);
    assert.match(r.summary, /train [\d.]+%, train-dev [\d.]+%, dev [\d.]+%/);
    assert.equal(r.cache.computed, 120, 'only the altered dev images were new to the cache');
  });

  let suggestion = 0;
  it('LR finder: the suggestion lies where the loss falls', () => {
    const r = cli(['lr-find', dogs, '--backbone', V1, '--cache', cache]).json as { suggestion: number; minLr: number; lrs: number[]; losses: number[]; mode: string };
    suggestion = r.suggestion;
    assert.equal(r.mode, 'head');
    assert.ok(r.lrs.length >= 60 && r.lrs.length <= 100);
    // The plotted (smoothed) loss is falling on both sides of the suggestion, which comes before the minimum.
    const i = r.lrs.indexOf(suggestion);
    assert.ok(i >= 3 && i + 3 < r.lrs.length, `suggestion index ${i}`);
    assert.ok(r.losses[i - 3] > r.losses[i] && r.losses[i] > r.losses[i + 3], `losses around it: ${r.losses.slice(i - 3, i + 4).join(', ')}`);
    assert.ok(suggestion < r.minLr, `${suggestion} should come before the minimum at ${r.minLr}`);
    assert.ok(r.losses[i] < Math.max(...r.losses.slice(0, i)), 'below the plateau');
  });

  it('LR finder: the head trained with the suggestion beats 100× the suggestion on val loss after 3 epochs', () => {
    const valLossAt3 = (lr: number) => {
      const run = cli(['train', dogs, '--backbone', V1, '--cache', cache, '--runs', runs, '--augment', '0', '--epochs', '3', '--patience', '3', '--lr', String(lr)]).json as { dir: string };
      const record = JSON.parse(fs.readFileSync(path.join(run.dir, 'run.json'), 'utf8')) as { history: { epoch: number; valLoss: number }[] };
      assert.equal(record.history.length, 3);
      return { dir: run.dir, loss: record.history[2].valLoss };
    };
    const good = valLossAt3(suggestion), high = valLossAt3(100 * suggestion);
    assert.ok(good.loss < high.loss, `val loss after 3 epochs: ${good.loss} at ${suggestion}, ${high.loss} at ${100 * suggestion}`);
    // Fine-tuning sweep on that run's top block: it leaves lr-find.json for the fine-tune command.
    const ft = cli(['lr-find', '--from', good.dir, '--cache', cache, '--max-per-class', '60']).json as { suggestion: number; mode: string; unfreezeFrom: string; file: string };
    assert.deepEqual([ft.mode, ft.unfreezeFrom, ft.file], ['fine-tune', 'block_13', path.join(good.dir, 'lr-find.json')]);
    const saved = JSON.parse(fs.readFileSync(ft.file, 'utf8'));
    assert.equal(saved.suggestion, ft.suggestion);
    assert.ok(ft.suggestion > 1e-7 && ft.suggestion < 10);
    // The CLI's fine-tune names that rate, and keeps the recipe's unless --lr is given.
    const tuned = cli(['train', '--from', good.dir, '--unfreeze-from', 'block_13', '--epochs', '1', '--augment', '0', '--cache', cache, '--runs', runs, '--max-per-class', '20']);
    assert.ok(tuned.stderr.includes(`lr-find.json in this run suggests --lr ${ft.suggestion.toPrecision(2)} (unfreezing from block_13)`), tuned.stderr.slice(0, 400));
    assert.equal((tuned.json as { best: { lr: number } }).best.lr, 1e-4);
  });

  it('advise: dogs-vs-cats is small and similar to ImageNet; grayscale noise textures are different', async () => {
    const a = cli(['advise', dogs, '--backbone', V1, '--cache', cache]).json as { scenario: string; cut: string; unfreezeFrom: string | null; evidence: { name: string; value: number }[]; imagenet: { top5: number } | null; probe: { topAcc: number; earlyAcc: number } | null };
    assert.deepEqual([a.scenario, a.cut, a.unfreezeFrom], ['small-similar', 'conv_pw_13_relu', null]);
    assert.ok(a.imagenet && a.probe, 'both measurements, since this model file keeps its 1000-class top');
    assert.equal(evidence(a, 'images per class'), 560);
    assert.ok(a.probe.topAcc >= a.probe.earlyAcc);

    const noise = path.join(work, 'noise');
    // Noise amplitudes 100 and 108: a low-level difference that earlier layers keep and the top pools away.
    for (const [cls, amplitude] of [['calm', 100], ['rough', 108]] as const) {
      fs.mkdirSync(path.join(noise, cls), { recursive: true });
      for (let i = 0; i < 60; i++) {
        let seed = i * 7919 + amplitude;
        const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
        const px = Buffer.alloc(96 * 96 * 3);
        for (let k = 0; k < 96 * 96; k++) px.fill(Math.max(0, Math.min(255, Math.round(128 + (random() - 0.5) * 2 * amplitude))), k * 3, k * 3 + 3);
        await sharp(px, { raw: { width: 96, height: 96, channels: 3 } }).png().toFile(path.join(noise, cls, `${cls}${i}.png`));
      }
    }
    cli(['prepare', noise, '--out', path.join(work, 'noise-prepared'), '--copy']);
    const b = cli(['advise', path.join(work, 'noise-prepared'), '--backbone', V1, '--cache', cache]).json as typeof a;
    assert.deepEqual([b.scenario, b.cut], ['small-different', 'conv_pw_7_relu'], JSON.stringify(b.probe));
  });
});
