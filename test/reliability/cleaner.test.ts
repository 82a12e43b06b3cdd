// Issue 17: the data cleaner's engine. Exclusions and new labels are overrides in dataset.json: the originals (hard
// linked into the prepared folder, so a write through the link would change them) hash the same after every cleaner
// action, the next training run reads the files through the overrides from the embedding cache, its summary counts
// the change, evaluate measures the val split each run trained on, and a write killed half-way is finished.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { DatasetManifest } from '../../src/core/datasetManifest';
import { relabelChanges, remainingAfterApply } from '../../src/core/cleanerPending';
import type { PendingChange } from '../../src/core/cleanerProtocol';
import { OVERRIDES_JOURNAL_FILE, overridesJournalText } from '../../src/core/datasetOverrides';
import type { EvaluateResult } from '../../src/core/jobs/evaluate';
import type { RelabelResult } from '../../src/core/jobs/relabel';
import type { TrainResult } from '../../src/core/jobs/train';
import { classFolders, job, prepare, smallTrain, tempDir } from './trainHelpers';

const work = tempDir('cleaner');
const source = path.join(work, 'source');
const prepared = path.join(work, 'prepared');
const manifestFile = path.join(prepared, 'dataset.json');

/** Every original's sha256, by path: what no cleaner action may change. */
function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const cls of fs.readdirSync(dir).sort()) {
    for (const f of fs.readdirSync(path.join(dir, cls)).sort()) {
      out[`${cls}/${f}`] = createHash('sha256').update(fs.readFileSync(path.join(dir, cls, f))).digest('hex');
    }
  }
  return out;
}
const manifest = (): DatasetManifest => JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as DatasetManifest;
const listed = (split: string, cls: string) =>
  manifest().files.filter((f) => f.split === split && f.class === cls).map((f) => f.path).sort();

describe('the data cleaner', () => {
  let originals: Record<string, string>;
  let firstRun: TrainResult;
  let excluded: string;
  let relabelled: string;

  const relabel = async (config: Record<string, unknown>) => {
    const r = await job<RelabelResult>('relabel', { dataset: prepared, ...config });
    assert.equal(r.error, undefined, r.error?.message);
    assert.deepEqual(hashes(source), originals, 'an original changed');
    return r;
  };

  before(async () => {
    classFolders(source, { cat: 12, dog: 12 });
    // Hard links: the placed files are the originals' inodes.
    await prepare(source, prepared, { placement: 'link' });
    originals = hashes(source);
    excluded = listed('val', 'cat')[0];
    relabelled = listed('train', 'cat')[0];
    const r = await job<TrainResult>('train', smallTrain(prepared, work));
    firstRun = r.result;
    assert.deepEqual(firstRun.counts, { train: [9, 9], val: [3, 3] });
    assert.equal(firstRun.cleaner, undefined);
  });

  it('excludes a top loss named by its path in the prepared folder, moving no file', async () => {
    const r = await relabel({ files: [path.join(prepared, excluded)], exclude: true });
    assert.deepEqual(r.result.applied.map((o) => [o.file, o.action]), [[excluded, 'exclude']]);
    assert.deepEqual(r.result.counts.val, { cat: 2, dog: 3 });
    assert.ok(fs.existsSync(path.join(prepared, excluded)), 'the excluded file was removed');
    assert.deepEqual(manifest().overrides?.map((o) => o.file), [excluded]);
    assert.equal(fs.existsSync(path.join(prepared, OVERRIDES_JOURNAL_FILE)), false, 'the journal was left');
  });

  it('relabels a file to another class without moving it', async () => {
    const r = await relabel({ files: [relabelled], to: 'dog' });
    assert.deepEqual(r.result.relabelled, [{ file: relabelled, from: 'cat', to: 'dog' }]);
    assert.deepEqual(r.result.counts.train, { cat: 8, dog: 10 });
    assert.ok(fs.existsSync(path.join(prepared, relabelled)));
    // The manifest's files and counts stay as prepare placed them: undo can always return to them.
    assert.deepEqual(manifest().counts.train, { cat: 9, dog: 9 });
  });

  it('applying the same change twice refuses the second, naming the file, and writes nothing', async () => {
    const before = fs.readFileSync(manifestFile, 'utf8');
    const r = await relabel({ files: [excluded, 'val/cat/not-there.jpg'], exclude: true });
    assert.equal(r.result.changed, false);
    assert.deepEqual(r.result.refused.map((x) => x.file), [excluded, 'val/cat/not-there.jpg']);
    assert.match(r.result.refused[0].reason, /already excluded/);
    assert.match(r.result.refused[1].reason, /val\/cat\/not-there\.jpg is not listed in dataset\.json/);
    assert.ok(r.logs.some((l) => l.level === 'warn' && l.message.includes('not-there.jpg')));
    assert.equal(fs.readFileSync(manifestFile, 'utf8'), before);
  });

  it('the next run trains without the excluded file and with the new label, from the cache, and says so', async () => {
    const r = await job<TrainResult>('train', smallTrain(prepared, work));
    assert.equal(r.error, undefined, r.error?.message);
    assert.deepEqual(r.result.counts, { train: [8, 10], val: [2, 3] });
    assert.deepEqual(r.result.cleaner, { excluded: 1, relabelled: 1 });
    assert.deepEqual(r.result.cache, { computed: 0, fromCache: 23, corrupt: 0 });
    const run = JSON.parse(fs.readFileSync(path.join(r.result.dir, 'run.json'), 'utf8')) as
      { config: { overrides?: { file: string }[] } };
    assert.deepEqual(run.config.overrides?.map((o) => o.file).sort(), [excluded, relabelled].sort());
    const valFiles = (JSON.parse(fs.readFileSync(path.join(r.result.dir, 'val-predictions.json'), 'utf8')) as
      { file: string }[] | { predictions: { file: string }[] });
    const files = (Array.isArray(valFiles) ? valFiles : valFiles.predictions).map((p) => p.file);
    assert.ok(!files.includes(path.join(prepared, excluded)), 'the excluded file was validated on');

    // Each run is measured on the val split it trained with: the cleaned one for this run, all six for the first.
    const cleanedEval = await job<EvaluateResult>('evaluate', { runDir: r.result.dir, workers: 1 });
    assert.equal(cleanedEval.result.count, 5);
    const firstEval = await job<EvaluateResult>('evaluate', { runDir: firstRun.dir, workers: 1 });
    assert.equal(firstEval.result.count, 6);
  });

  it('undo drops the latest change of a file', async () => {
    const r = await relabel({ files: [excluded], undo: true });
    assert.deepEqual(r.result.undone.map((o) => o.file), [excluded]);
    assert.deepEqual(r.result.counts.val, { cat: 3, dog: 3 });
    assert.deepEqual(manifest().overrides?.map((o) => o.file), [relabelled]);
  });

  it('a prepare run again keeps the cleaner changes and finds nothing else to do', async () => {
    const r = await job<{ changed: boolean }>('prepare', { source, out: prepared, placement: 'link', val: 0.25, seed: 42 });
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.result.changed, false);
    assert.deepEqual(manifest().overrides?.map((o) => o.file), [relabelled]);
    assert.deepEqual(hashes(source), originals);
  });

  it('a write killed after its journal (dataset.json still under its temp name) is finished by the next action', async () => {
    const dog = listed('val', 'dog')[0];
    const journaled = [...(manifest().overrides ?? []), { file: dog, action: 'exclude', at: new Date().toISOString() }];
    fs.writeFileSync(path.join(prepared, OVERRIDES_JOURNAL_FILE), overridesJournalText(journaled as never));
    fs.writeFileSync(`${manifestFile}.tl-partial`, '{"version":1,"files":[');
    const r = await relabel({});
    assert.equal(r.result.recovered, true);
    assert.deepEqual(manifest().overrides?.map((o) => o.file), [relabelled, dog]);
    assert.deepEqual(r.result.counts.val, { cat: 3, dog: 2 });
    for (const left of [OVERRIDES_JOURNAL_FILE, 'dataset.json.tl-partial']) {
      assert.equal(fs.existsSync(path.join(prepared, left)), false, `${left} was left`);
    }
  });

  it('a journal that no longer applies is dropped with a warning, and dataset.json kept', async () => {
    const before = fs.readFileSync(manifestFile, 'utf8');
    fs.writeFileSync(path.join(prepared, OVERRIDES_JOURNAL_FILE),
      overridesJournalText([{ file: 'val/cat/gone.jpg', action: 'exclude', at: new Date().toISOString() }]));
    const r = await relabel({});
    assert.equal(r.result.recovered, false);
    assert.ok(r.logs.some((l) => l.level === 'warn' && /no longer applies.*gone\.jpg/.test(l.message)),
      JSON.stringify(r.logs));
    assert.equal(fs.readFileSync(manifestFile, 'utf8'), before);
    assert.equal(fs.existsSync(path.join(prepared, OVERRIDES_JOURNAL_FILE)), false);
  });

  it('a folder that is not a prepared dataset is refused, naming it, and nothing is written there', async () => {
    const r = await job<RelabelResult>('relabel', { dataset: source, files: ['cat/cat.0.jpg'], exclude: true });
    assert.equal(r.error?.code, 'bad-input');
    assert.match(r.error?.message ?? '', /is not a prepared dataset: it has no dataset\.json/);
    assert.deepEqual(fs.readdirSync(source).sort(), ['cat', 'dog']);
    assert.deepEqual(hashes(source), originals);
  });

  it('the dashboard\'s pending list (absolute paths, one Apply) is one write; refused changes stay pending', async () => {
    // Files no earlier step changed.
    const untouched = (f: string) => !(manifest().overrides ?? []).some((o) => o.file === f) && f !== relabelled;
    const dog = listed('val', 'dog').find(untouched)!;
    const cat = listed('train', 'cat').find(untouched)!;
    const pending: PendingChange[] = [
      { file: path.join(prepared, dog), action: 'exclude', from: 'dog' },
      { file: path.join(prepared, cat), action: 'relabel', to: 'dog', from: 'cat' },
      { file: path.join(prepared, excluded), action: 'relabel', to: 'nope', from: 'cat' },
    ];
    const r = await relabel({ changes: relabelChanges(pending) });
    assert.deepEqual(r.result.applied.map((o) => [o.file, o.action, o.to]), [[dog, 'exclude', undefined], [cat, 'relabel', 'dog']]);
    assert.deepEqual(r.result.refused.map((x) => x.file), [excluded]);
    assert.deepEqual(remainingAfterApply(pending, r.result.refused, prepared), [pending[2]]);
    assert.ok(r.result.excluded.includes(dog));
    assert.ok(fs.existsSync(path.join(prepared, dog)) && fs.existsSync(path.join(prepared, cat)), 'a placed file was removed');
  });
});
