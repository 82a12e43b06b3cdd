// Compare Runs: the rows of settings and results, which of them differ, and what a missing value shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readComparedRuns, type ComparisonReader } from '../../../src/core/comparedRuns';
import { parseCompareMessage } from '../../../src/core/compareProtocol';
import { compareRuns, formatSeconds, type ComparedRunInput } from '../../../src/core/runComparison';
import type { EpochRecord, RunRecord } from '../../../src/core/runRecord';

const epoch = (n: number, valAcc: number, lr = 1e-3): EpochRecord =>
  ({ epoch: n, loss: 0.5 / n, acc: 0.8, valLoss: 0.4 / n, valAcc, lr, seconds: 1 });

const record = (id: string, extra: Partial<RunRecord> = {}, config: Record<string, unknown> = {}): RunRecord => ({
  id, status: 'completed', mode: 'feature-extractor', backbone: '/models/mobilenet_v1_0.25_224_layers',
  dataset: '/data/pets', classes: ['cat', 'dog'], engine: 'wasm', frozenEngine: 'onnxruntime-cpu',
  createdAt: '2026-12-01T10:00:00Z', updatedAt: '2026-12-01T10:00:00Z',
  config: { cut: 'conv_pw_13_relu', head: 'recipe', epochs: 50, patience: 10, batch: 32, augment: 2, size: 224,
    resize: 'fill', classWeights: 'none', seed: 42, ...config },
  history: [epoch(1, 0.8), epoch(2, 0.9)], best: epoch(2, 0.9), timings: { embedding: 1.5, training: 3 }, ...extra,
});

const run = (r: RunRecord, evaluation?: ComparedRunInput['evaluation']): ComparedRunInput =>
  ({ dir: `/runs/${r.id}`, record: r, status: r.status, ...(evaluation ? { evaluation } : {}) });

const rowOf = (c: ReturnType<typeof compareRuns>, key: string) => {
  const row = c.rows.find((r) => r.key === key);
  assert.ok(row, `no row ${key}`);
  return row;
};

describe('compareRuns', () => {
  const cases: { name: string; runs: ComparedRunInput[]; differing: string[] }[] = [
    { name: 'two runs with the same settings differ in nothing', runs: [run(record('a')), run(record('b'))], differing: [] },
    {
      name: 'a different learning rate and augmentation are the differing settings',
      runs: [run(record('a', {}, { lr: 0.01 })), run(record('b', {}, { augment: 0 }))],
      differing: ['lr', 'augment'],
    },
    {
      name: 'a fine-tune differs in mode and unfreeze point; a backbone by path and by id differ',
      runs: [run(record('a')), run(record('b', { mode: 'fine-tune', backbone: 'mobilenet_v2_0.35_224' }, { unfreezeFrom: 'block_13' }))],
      differing: ['mode', 'backbone', 'unfreezeFrom'],
    },
    {
      name: 'a dropout set on one head, an engine, a cut layer',
      runs: [run(record('a', { engine: 'tfjs-node' })), run(record('b', {}, { dropout: 0.3, cut: 'conv_pw_11_relu' }))],
      differing: ['cut', 'head', 'engine'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(compareRuns(c.runs).differingSettings, c.differing));
  }

  it('reads the learning rate from the config, else from the first epoch the run recorded', () => {
    const c = compareRuns([run(record('a', {}, { lr: 0.01 })), run(record('b', { history: [epoch(1, 0.7, 1e-4)] }))]);
    assert.deepEqual(rowOf(c, 'lr').values, [0.01, 1e-4]);
    assert.equal(rowOf(c, 'lr').differs, true);
  });

  it('shows a value a run does not record as —, never a default, and such a row differs', () => {
    const bare = record('bare', { history: [], best: undefined, timings: {}, frozenEngine: undefined }, {});
    bare.config = {};
    const c = compareRuns([run(record('a'), { accuracy: 0.9, logLoss: 0.25, auc: 0.97 }), run(bare)]);
    for (const key of ['cut', 'head', 'lr', 'augment', 'size', 'frozenEngine', 'valAcc', 'logLoss', 'auc', 'seconds']) {
      const row = rowOf(c, key);
      assert.equal(row.values[1], null, key);
      assert.equal(row.text[1], '—', key);
      assert.notEqual(row.text[0], '—', key);
      assert.equal(row.differs, true, key);
    }
    // Neither run is a fine-tune: an unfreeze point missing from both is no difference.
    assert.equal(rowOf(c, 'unfreezeFrom').differs, false);
    assert.deepEqual(rowOf(c, 'unfreezeFrom').text, ['—', '—']);
    assert.equal(rowOf(c, 'epochsTrained').text[1], '0');
  });

  it('formats results and marks the best run of each result with a direction', () => {
    const a = record('a', { best: epoch(3, 0.91), timings: { training: 30 } });
    const b = record('b', { best: epoch(5, 0.95), timings: { training: 75.2 } });
    const c = compareRuns([run(a, { accuracy: 0.91, logLoss: 0.3, auc: 0.96 }), run(b, { accuracy: 0.95, logLoss: 0.2 })]);
    assert.deepEqual(rowOf(c, 'valAcc').text, ['0.9100', '0.9500']);
    assert.deepEqual(rowOf(c, 'valAcc').best, [1]);
    assert.deepEqual(rowOf(c, 'logLoss').best, [1]);
    assert.deepEqual(rowOf(c, 'seconds').text, ['30.0 s', '1 min 15 s']);
    assert.deepEqual(rowOf(c, 'seconds').best, [0]);
    // Only one run has an AUC: nothing to call best.
    assert.deepEqual(rowOf(c, 'auc').best, []);
    assert.deepEqual(rowOf(c, 'auc').text, ['0.9600', '—']);
    assert.equal(rowOf(c, 'backbone').text[0], 'mobilenet_v1_0.25_224_layers');
    assert.equal(rowOf(c, 'backbone').values[0], '/models/mobilenet_v1_0.25_224_layers');
    assert.deepEqual(rowOf(c, 'augment').text, ['2 variants per image', '2 variants per image']);
    // Same values: no best.
    assert.deepEqual(compareRuns([run(a), run(a)]).rows.find((r) => r.key === 'valAcc')!.best, []);
  });

  it('gives one curve per run, in order, from its epochs', () => {
    const c = compareRuns([run(record('a')), run(record('b', { history: [epoch(1, 0.6)] }))]);
    assert.deepEqual(c.curves.map((k) => [k.id, k.epochs, k.valAcc]), [['a', [1, 2], [0.8, 0.9]], ['b', [1], [0.6]]]);
    assert.deepEqual(c.runs.map((r) => r.id), ['a', 'b']);
  });

  it('formats durations', () => {
    assert.deepEqual([formatSeconds(4.25), formatSeconds(125), formatSeconds(3725)], ['4.3 s', '2 min 5 s', '1 h 2 min']);
  });
});

describe('readComparedRuns', () => {
  const reader = (files: Record<string, string>): ComparisonReader => ({
    join: (d, n) => `${d}/${n}`,
    readText: async (f) => {
      if (files[f] === undefined) throw Object.assign(new Error(`ENOENT: ${f}`), { code: 'ENOENT' });
      return files[f];
    },
  });
  const evaluation = JSON.stringify({ accuracy: 0.9, logLoss: 0.3, auc: 0.95, count: 40, predictions: [] });

  it('reads each run and its evaluation; a damaged file is a problem naming it, and the rest go on', async () => {
    const files = {
      '/r/a/run.json': JSON.stringify(record('a')), '/r/a/evaluation.json': evaluation,
      '/r/b/run.json': JSON.stringify(record('b')),
      '/r/c/run.json': JSON.stringify(record('c')), '/r/c/evaluation.json': JSON.stringify({ accuracy: 0.9, logLoss: 'NaN' }),
      '/r/d/run.json': '{ not json',
    };
    const { runs, problems } = await readComparedRuns(reader(files), ['/r/a', '/r/b', '/r/c', '/r/d', '/r/e'], () => false);
    assert.deepEqual(runs.map((r) => r.record.id), ['a', 'b', 'c']);
    assert.deepEqual(runs[0].evaluation, { accuracy: 0.9, logLoss: 0.3, auc: 0.95 });
    assert.equal(runs[1].evaluation, undefined);
    assert.equal(runs[2].evaluation, undefined);
    assert.equal(problems.length, 3);
    assert.match(problems[0], /^\/r\/c\/evaluation\.json: evaluation\.json\.logLoss: expected number/);
    assert.match(problems[1], /^\/r\/d\/run\.json: .*\(left out\)$/);
    assert.match(problems[2], /^\/r\/e\/run\.json: not found, so this is not a run folder/);
  });

  it('a NaN in an evaluation is refused, not compared', async () => {
    const { runs, problems } = await readComparedRuns(reader({
      '/r/a/run.json': JSON.stringify(record('a')),
      // JSON has no NaN; a writer that let one through would write null.
      '/r/a/evaluation.json': JSON.stringify({ accuracy: 0.9, logLoss: Number.NaN }),
    }), ['/r/a'], () => false);
    assert.equal(runs[0].evaluation, undefined);
    assert.match(problems[0], /logLoss: expected number, got null/);
  });
});

describe('parseCompareMessage', () => {
  const cases: { input: unknown; ok: boolean }[] = [
    { input: { type: 'ready' }, ok: true },
    { input: { type: 'openRun', runDir: '/r/a' }, ok: true },
    { input: { type: 'openRun' }, ok: false },
    { input: { type: 'openRun', runDir: 3 }, ok: false },
    { input: { type: 'runCommand', command: 'x' }, ok: false },
    { input: { type: 'toString' }, ok: false },
    { input: null, ok: false },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.input)} is ${c.ok ? 'accepted' : 'refused'}`, () => assert.equal(parseCompareMessage(c.input).ok, c.ok));
  }
});
