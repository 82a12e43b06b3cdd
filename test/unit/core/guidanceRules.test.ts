// The learning-curve diagnosis as pure rules, over a table of synthetic curves: each label, the numbers behind it,
// whether more data is likely to help (and that it never is when train error already misses the target), and
// the ranking of recommendations, whose buttons must name real Transfer Lab commands.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { devSlopePerDoubling, diagnose, toleranceFor, type CurvePointStats, type DiagnosisContext, type DiagnosisLabel } from '../../../src/core/guidance';
import { parseTrainerMessage, withVersion } from '../../../src/core/protocol';
import { ROOT } from '../../fixtures/cliRun';

const SIZES = [56, 102, 186, 338, 615, 1120];
const stat = (mean: number) => ({ mean, std: 0.01 });
function curve(train: number[], dev: number[], trainDev?: number[]): CurvePointStats[] {
  return SIZES.map((size, i) => ({ size, train: stat(train[i]), dev: stat(dev[i]), ...(trainDev ? { trainDev: stat(trainDev[i]) } : {}) }));
}
const flat = (x: number) => SIZES.map(() => x);

const CTX: DiagnosisContext = {
  dataset: '/data/pets-prepared', backbone: 'mobilenet_v1_0.25_224', cut: 'conv_pw_13_relu', defaultCut: 'conv_pw_13_relu', head: 'recipe',
  fineTuneFrom: 'block_13', largerBackbone: 'mobilenet_v1_0.50_224', source: '/data/pets', val: 0.2, seed: 42,
};

interface Row {
  name: string; curve: CurvePointStats[]; desired: number; ctx?: DiagnosisContext;
  label: DiagnosisLabel; moreData: boolean; first: string; absent?: string[];
}

const table: Row[] = [
  {
    name: 'variance, dev still falling: more data first',
    curve: curve([0, 0, 0, 0, 0.01, 0.02], [0.3, 0.24, 0.19, 0.15, 0.12, 0.1]), desired: 0.05,
    label: 'high-variance', moreData: true, first: 'more-data',
  },
  {
    name: 'variance, dev flat: augmentation first, more data last',
    curve: curve([0, 0, 0, 0, 0, 0], [0.2, 0.16, 0.13, 0.12, 0.12, 0.12]), desired: 0.05,
    label: 'high-variance', moreData: false, first: 'augment',
  },
  {
    name: 'avoidable bias: a deeper model, never more data',
    curve: curve([0.2, 0.25, 0.28, 0.3, 0.31, 0.31], [0.4, 0.36, 0.34, 0.33, 0.33, 0.32]), desired: 0.05,
    label: 'high-avoidable-bias', moreData: false, first: 'fine-tune', absent: ['more-data'],
  },
  {
    name: 'bias from an early cut and a linear head: a later cut first',
    curve: curve(flat(0.45), flat(0.47)), desired: 0.02, ctx: { ...CTX, cut: 'conv_pw_1_relu', head: 'linear' },
    label: 'high-avoidable-bias', moreData: false, first: 'later-cut', absent: ['more-data', 'fine-tune'],
  },
  {
    name: "bias while dev still falls steeply: adding data can't fix bias",
    curve: curve([0.1, 0.12, 0.14, 0.16, 0.18, 0.2], [0.5, 0.42, 0.36, 0.3, 0.26, 0.23]), desired: 0.02,
    label: 'high-avoidable-bias', moreData: false, first: 'fine-tune', absent: ['more-data'],
  },
  {
    name: 'both bias and variance: bias fixes first, no more-data',
    curve: curve([0.05, 0.08, 0.1, 0.12, 0.14, 0.15], [0.5, 0.45, 0.4, 0.35, 0.31, 0.28]), desired: 0.05,
    label: 'bias-and-variance', moreData: false, first: 'fine-tune', absent: ['more-data'],
  },
  {
    name: 'mismatch: dev far above train-dev',
    curve: curve(flat(0.02), flat(0.25), flat(0.04)), desired: 0.05,
    label: 'data-mismatch', moreData: false, first: 'dev-like-data', absent: ['train-dev-split'],
  },
  {
    name: 'variance measured on train-dev, with a small mismatch',
    curve: curve([0, 0, 0, 0, 0, 0], [0.3, 0.25, 0.21, 0.18, 0.15, 0.13], [0.28, 0.23, 0.19, 0.16, 0.13, 0.12]), desired: 0.05,
    label: 'high-variance', moreData: true, first: 'more-data', absent: ['train-dev-split'],
  },
  {
    name: 'near the target',
    curve: curve([0, 0.005, 0.01, 0.015, 0.02, 0.02], [0.09, 0.07, 0.06, 0.05, 0.045, 0.04]), desired: 0.05,
    label: 'near-target', moreData: false, first: 'train-final',
  },
];

describe('learning-curve diagnosis (synthetic curves)', () => {
  for (const row of table) {
    it(row.name, () => {
      const d = diagnose(row.curve, row.desired, row.ctx ?? CTX);
      assert.equal(d.label, row.label, d.summary);
      assert.equal(d.moreDataLikelyHelps, row.moreData, d.summary);
      assert.equal(d.recommendations[0]?.id, row.first, d.recommendations.map((r) => r.id).join(', '));
      for (const id of row.absent ?? []) assert.ok(!d.recommendations.some((r) => r.id === id), `${id} should not be recommended`);
      for (const r of d.recommendations) assert.ok(r.why.length > 20, `${r.id} needs a one-line why`);
      const ok = parseTrainerMessage(withVersion({ type: 'guidance', ...d }));
      assert.ok(ok.ok, !ok.ok ? ok.error : '');
    });
  }

  it('gives the numbers that justify the label: bias = train − desired, variance = dev − train, mismatch = dev − train-dev', () => {
    const d = diagnose(curve(flat(0.03), flat(0.2), flat(0.06)), 0.05, CTX);
    const value = (name: string) => d.evidence.find((e) => e.name === name)?.value;
    assert.equal(value('train error'), 0.03);
    assert.equal(value('train-dev error'), 0.06);
    assert.equal(value('dev error'), 0.2);
    assert.ok(Math.abs(value('avoidable bias')! - -0.02) < 1e-12);
    assert.ok(Math.abs(value('variance')! - 0.03) < 1e-12, 'with a train-dev split, variance is train-dev − train');
    assert.ok(Math.abs(value('mismatch')! - 0.14) < 1e-12);
    const noTrainDev = diagnose(curve(flat(0.03), flat(0.2)), 0.05, CTX);
    assert.ok(Math.abs(noTrainDev.evidence.find((e) => e.name === 'variance')!.value - 0.17) < 1e-12);
    assert.ok(!noTrainDev.evidence.some((e) => e.name === 'mismatch'));
  });

  it('judges the dev curve by its slope per doubling over the last points', () => {
    const falling = curve(flat(0), [0.4, 0.3, 0.2, 0.16, 0.12, 0.08]);
    // Last three sizes: 338, 615, 1120 → dev 0.16, 0.12, 0.08 over log2 steps of ~0.86: about −0.046 per doubling.
    assert.ok(Math.abs(devSlopePerDoubling(falling) - -0.0464) < 0.001, String(devSlopePerDoubling(falling)));
    assert.ok(Math.abs(devSlopePerDoubling(curve(flat(0), flat(0.1)))) < 1e-12);
    assert.equal(devSlopePerDoubling(curve(flat(0), flat(0.1)).slice(0, 1)), 0);
  });

  it('uses a tolerance of half the target, at least two points', () => {
    assert.equal(toleranceFor(0.01), 0.02);
    assert.equal(toleranceFor(0.1), 0.05);
  });

  it('offers "Add a train-dev split" as a Prepare Dataset button with the same source and split settings', () => {
    const d = diagnose(curve(flat(0), flat(0.2)), 0.05, CTX);
    const split = d.recommendations.find((r) => r.id === 'train-dev-split')!;
    assert.equal(split.command, 'transferLab.prepareDataset');
    assert.deepEqual(split.args, { source: '/data/pets', out: '/data/pets-prepared', val: 0.2, seed: 42, trainDev: 0.1 });
  });

  it('every button names a command the extension contributes', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const contributed = new Set((pkg.contributes.commands as { command: string }[]).map((c) => c.command));
    const named = table.flatMap((row) => diagnose(row.curve, row.desired, row.ctx ?? CTX).recommendations)
      .flatMap((r) => (r.command ? [`${r.id} → ${r.command}`] : []));
    assert.ok(named.length >= table.length, `only ${named.length} buttons across ${table.length} diagnoses`);
    assert.deepEqual(named.filter((n) => !contributed.has(n.split(' → ')[1])), []);
  });

  it('without a dataset and backbone it still advises, with no buttons it cannot fill', () => {
    const d = diagnose(curve(flat(0.3), flat(0.31)), 0.05);
    assert.equal(d.label, 'high-avoidable-bias');
    assert.ok(d.recommendations.every((r) => r.command === undefined || r.args !== undefined));
  });

  it('refuses an empty curve', () => {
    assert.throws(() => diagnose([], 0.05), /at least one/);
  });
});
