// The cleaner's overrides: how they change what training reads, how a request becomes the new list, what a prepare
// run keeps, the write-ahead journal's text, and dataset.json's check of them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countsOf, manifestJson, parseManifest, type DatasetManifest, type ManifestFile, type Override,
} from '../../../src/core/datasetManifest';
import {
  applyOverrides, carryOverrides, cleanerSummary, countsAfterOverrides, overrideList, overridesJournalText,
  parseOverridesJournal, planChanges, type CleanerChange,
} from '../../../src/core/datasetOverrides';
import { parseRelabelConfig } from '../../../src/core/jobs/relabel';

const hex = (c: string) => c.repeat(64).slice(0, 64);
const file = (path: string, cls: string | null, split: ManifestFile['split'], h: string): ManifestFile =>
  ({ path, source: `/src/${path}`, sha256: hex(h), class: cls, split, bytes: 10, width: 500, height: 374 });
const CLASSES = ['cat', 'dog'];
const FILES = [
  file('train/cat/c1.jpg', 'cat', 'train', 'a'), file('train/cat/c2.jpg', 'cat', 'train', 'b'),
  file('train/dog/d1.jpg', 'dog', 'train', 'c'), file('val/cat/c3.jpg', 'cat', 'val', 'd'),
  file('val/dog/d2.jpg', 'dog', 'val', 'e'), file('test/1.jpg', null, 'test', 'f'),
];
const T = '2026-12-05T10:00:00.000Z';
const ex = (f: string): Override => ({ file: f, action: 'exclude', at: T });
const re = (f: string, to: string): Override => ({ file: f, action: 'relabel', to, at: T });

function manifest(overrides?: Override[]): DatasetManifest {
  return {
    version: 1, layout: 'class-folders', source: '/src', output: '/out', classes: CLASSES,
    settings: { val: 0.2, trainDev: 0, seed: 42, placement: 'link' }, files: FILES, excluded: [], findings: [],
    counts: countsOf(FILES, CLASSES), createdDirs: ['.'], ...(overrides ? { overrides } : {}),
  };
}

describe('applyOverrides: what training reads', () => {
  const table: {
    name: string; overrides: Override[]; classOf: Record<string, string | undefined>; excluded: string[];
    relabelled: number; effective: number; refused?: RegExp;
  }[] = [
    { name: 'no overrides: the files as prepared', overrides: [], classOf: { 'train/cat/c1.jpg': 'cat' }, excluded: [],
      relabelled: 0, effective: 0 },
    { name: 'an exclusion leaves the file out', overrides: [ex('val/cat/c3.jpg')],
      classOf: { 'val/cat/c3.jpg': undefined, 'val/dog/d2.jpg': 'dog' }, excluded: ['val/cat/c3.jpg'], relabelled: 0,
      effective: 1 },
    { name: 'a relabel keeps the path and changes the class', overrides: [re('train/cat/c2.jpg', 'dog')],
      classOf: { 'train/cat/c2.jpg': 'dog' }, excluded: [], relabelled: 1, effective: 1 },
    { name: 'the latest override of a file wins (exclude, then relabel)',
      overrides: [ex('train/cat/c2.jpg'), re('train/cat/c2.jpg', 'dog')], classOf: { 'train/cat/c2.jpg': 'dog' },
      excluded: [], relabelled: 1, effective: 1 },
    { name: 'the latest override of a file wins (relabel, then exclude)',
      overrides: [re('train/cat/c2.jpg', 'dog'), ex('train/cat/c2.jpg')], classOf: { 'train/cat/c2.jpg': undefined },
      excluded: ['train/cat/c2.jpg'], relabelled: 0, effective: 1 },
    { name: 'a relabel back to its prepared class changes nothing and is not in effect',
      overrides: [re('train/cat/c2.jpg', 'dog'), re('train/cat/c2.jpg', 'cat')], classOf: { 'train/cat/c2.jpg': 'cat' },
      excluded: [], relabelled: 0, effective: 0 },
    { name: 'an override of a file not in the manifest is refused, naming it', overrides: [ex('val/cat/gone.jpg')],
      classOf: {}, excluded: [], relabelled: 0, effective: 0, refused: /val\/cat\/gone\.jpg is not listed/ },
    { name: 'a relabel to an unknown class is refused', overrides: [re('train/cat/c1.jpg', 'cow')],
      classOf: { 'train/cat/c1.jpg': 'cat' }, excluded: [], relabelled: 0, effective: 0,
      refused: /"cow" is not a class of this dataset \(cat, dog\)/ },
    { name: 'a test image is refused', overrides: [ex('test/1.jpg')], classOf: { 'test/1.jpg': undefined },
      excluded: [], relabelled: 0, effective: 0, refused: /test image/ },
  ];
  for (const c of table) {
    it(c.name, () => {
      const r = applyOverrides(FILES, c.overrides, CLASSES);
      for (const [path, cls] of Object.entries(c.classOf)) {
        const f = r.files.find((x) => x.path === path);
        if (path.startsWith('test/')) assert.ok(f, 'test images are never dropped');
        else assert.equal(f?.class, cls, path);
      }
      assert.deepEqual(r.excluded, c.excluded);
      assert.equal(r.relabelled.length, c.relabelled);
      assert.equal(r.effective.length, c.effective);
      assert.equal(r.files.length + r.excluded.length, FILES.length, 'every file is either read or excluded');
      if (c.refused) assert.match(r.refused.map((x) => x.reason).join('\n'), c.refused);
      else assert.deepEqual(r.refused, []);
    });
  }

  it('counts after overrides are what training will count', () => {
    const counts = countsAfterOverrides(manifest([ex('val/cat/c3.jpg'), re('train/cat/c2.jpg', 'dog')]));
    assert.deepEqual(counts, { train: { cat: 1, dog: 2 }, val: { cat: 0, dog: 1 }, test: { '(unlabeled)': 1 } });
  });
});

describe('planChanges: a request becomes the new overrides list', () => {
  const table: {
    name: string; before: Override[]; changes: CleanerChange[]; after: Override[]; applied: number; undone: number;
    refused?: RegExp;
  }[] = [
    { name: 'exclude', before: [], changes: [{ file: 'val/cat/c3.jpg', action: 'exclude' }],
      after: [ex('val/cat/c3.jpg')], applied: 1, undone: 0 },
    { name: 'relabel', before: [], changes: [{ file: 'train/cat/c1.jpg', action: 'relabel', to: 'dog' }],
      after: [re('train/cat/c1.jpg', 'dog')], applied: 1, undone: 0 },
    { name: 'undo removes the latest override of that file only',
      before: [ex('train/cat/c1.jpg'), ex('val/cat/c3.jpg'), re('train/cat/c1.jpg', 'dog')],
      changes: [{ file: 'train/cat/c1.jpg', action: 'undo' }], after: [ex('train/cat/c1.jpg'), ex('val/cat/c3.jpg')],
      applied: 0, undone: 1 },
    { name: 'exclude then undo in one request cancels out', before: [],
      changes: [{ file: 'val/cat/c3.jpg', action: 'exclude' }, { file: 'val/cat/c3.jpg', action: 'undo' }], after: [],
      applied: 1, undone: 1 },
    { name: 'a file not in the manifest is refused, naming it, and the rest applies', before: [],
      changes: [{ file: 'val/cat/nope.jpg', action: 'exclude' }, { file: 'val/dog/d2.jpg', action: 'exclude' }],
      after: [ex('val/dog/d2.jpg')], applied: 1, undone: 0, refused: /val\/cat\/nope\.jpg is not listed in dataset\.json/ },
    { name: 'undo with nothing to undo is refused', before: [], changes: [{ file: 'val/cat/c3.jpg', action: 'undo' }],
      after: [], applied: 0, undone: 0, refused: /val\/cat\/c3\.jpg has no cleaner change to undo/ },
    { name: 'excluding an excluded file is refused', before: [ex('val/cat/c3.jpg')],
      changes: [{ file: 'val/cat/c3.jpg', action: 'exclude' }], after: [ex('val/cat/c3.jpg')], applied: 0, undone: 0,
      refused: /already excluded/ },
    { name: 'relabelling to the class it has is refused', before: [],
      changes: [{ file: 'train/cat/c1.jpg', action: 'relabel', to: 'cat' }], after: [], applied: 0, undone: 0,
      refused: /train\/cat\/c1\.jpg is already labelled cat/ },
    { name: 'moving an excluded file to its own class brings it back', before: [ex('train/cat/c1.jpg')],
      changes: [{ file: 'train/cat/c1.jpg', action: 'relabel', to: 'cat' }],
      after: [ex('train/cat/c1.jpg'), re('train/cat/c1.jpg', 'cat')], applied: 1, undone: 0 },
    { name: 'an unknown class is refused', before: [], changes: [{ file: 'train/cat/c1.jpg', action: 'relabel', to: 'cow' }],
      after: [], applied: 0, undone: 0, refused: /"cow" is not a class/ },
    { name: 'a test image is refused', before: [], changes: [{ file: 'test/1.jpg', action: 'exclude' }], after: [],
      applied: 0, undone: 0, refused: /test\/1\.jpg is a test image/ },
  ];
  for (const c of table) {
    it(c.name, () => {
      const r = planChanges(manifest(c.before), c.changes, T);
      assert.deepEqual(r.overrides, c.after);
      assert.equal(r.applied.length, c.applied);
      assert.equal(r.undone.length, c.undone);
      if (c.refused) assert.match(r.refused.map((x) => x.reason).join('\n'), c.refused);
      else assert.deepEqual(r.refused, []);
      // The new list always makes a manifest that reads back.
      assert.ok(parseManifest(JSON.parse(manifestJson(manifest(r.overrides)))).ok);
    });
  }
});

describe('dataset.json checks its overrides', () => {
  const table: { name: string; overrides: unknown; error?: RegExp }[] = [
    { name: 'none (a manifest from before the cleaner)', overrides: undefined },
    { name: 'an exclusion and a relabel', overrides: [ex('val/cat/c3.jpg'), re('train/cat/c1.jpg', 'dog')] },
    { name: 'a file not listed', overrides: [ex('val/cat/gone.jpg')], error: /overrides\[0\]\.file: expected a file listed/ },
    { name: 'a relabel to a class not listed', overrides: [re('train/cat/c1.jpg', 'cow')], error: /overrides\[0\]\.to/ },
    { name: 'a relabel without a class', overrides: [{ file: 'train/cat/c1.jpg', action: 'relabel', at: T }],
      error: /overrides\[0\]\.to/ },
    { name: 'an unknown action', overrides: [{ file: 'train/cat/c1.jpg', action: 'delete', at: T }],
      error: /overrides\[0\]\.action/ },
    { name: 'a path outside the folder', overrides: [ex('../x.jpg')], error: /inside the output/ },
  ];
  for (const c of table) {
    it(c.name, () => {
      const r = parseManifest({ ...manifest(), ...(c.overrides !== undefined ? { overrides: c.overrides } : {}) });
      assert.equal(r.ok, !c.error, JSON.stringify(r));
      if (!r.ok && c.error) assert.match(r.error, c.error);
    });
  }

  it('a manifest without overrides serialises as prepare wrote it (no empty list)', () => {
    const r = parseManifest(JSON.parse(manifestJson(manifest())));
    assert.ok(r.ok);
    assert.equal(manifestJson(r.value), manifestJson(manifest()));
  });
});

describe('a prepare run again keeps the cleaner changes it can', () => {
  it('keeps those whose files it still places, drops the others with a reason', () => {
    const moved = FILES.filter((f) => f.path !== 'val/cat/c3.jpg');
    const r = carryOverrides([ex('val/cat/c3.jpg'), re('train/cat/c1.jpg', 'dog')], moved, CLASSES);
    assert.deepEqual(r.kept, [re('train/cat/c1.jpg', 'dog')]);
    assert.match(r.dropped[0].reason, /val\/cat\/c3\.jpg is not listed/);
  });
});

describe('the write-ahead journal and a run\'s record', () => {
  it('reads back what it wrote; a torn or foreign text is not a journal', () => {
    const list = [ex('val/cat/c3.jpg'), re('train/cat/c1.jpg', 'dog')];
    const text = overridesJournalText(list);
    assert.deepEqual(parseOverridesJournal(text), list);
    assert.equal(parseOverridesJournal(text.slice(0, text.length - 10)), undefined);
    assert.equal(parseOverridesJournal('{"t":"begin","v":1,"source":"/x"}'), undefined);
    assert.equal(overrideList([{ file: 'a', action: 'relabel', at: T }]), undefined);
    assert.equal(overrideList('x'), undefined);
  });

  it('summarises the changes in effect for the train summary', () => {
    assert.equal(cleanerSummary({ excluded: 1, relabelled: 2 }), '1 excluded, 2 relabelled by the cleaner');
    assert.equal(cleanerSummary({ excluded: 0, relabelled: 1 }), '1 relabelled by the cleaner');
    assert.equal(cleanerSummary({ excluded: 0, relabelled: 0 }), '');
  });
});

describe('the relabel job\'s config', () => {
  const table: { name: string; raw: unknown; changes?: CleanerChange[]; error?: RegExp }[] = [
    { name: 'files with --exclude', raw: { dataset: '/d', files: ['a.jpg', 'b.jpg'], exclude: true },
      changes: [{ file: 'a.jpg', action: 'exclude' }, { file: 'b.jpg', action: 'exclude' }] },
    { name: 'files with --to', raw: { dataset: '/d', files: ['a.jpg'], to: 'dog' },
      changes: [{ file: 'a.jpg', action: 'relabel', to: 'dog' }] },
    { name: 'files with --undo', raw: { dataset: '/d', files: ['a.jpg'], undo: true },
      changes: [{ file: 'a.jpg', action: 'undo' }] },
    { name: 'the cleaner\'s pending list, in order', raw: { dataset: '/d', changes: [
      { file: 'a.jpg', action: 'exclude' }, { file: 'b.jpg', action: 'relabel', to: 'cat' }] },
    changes: [{ file: 'a.jpg', action: 'exclude' }, { file: 'b.jpg', action: 'relabel', to: 'cat' }] },
    { name: 'nothing: a read', raw: { dataset: '/d' }, changes: [] },
    { name: 'two actions', raw: { dataset: '/d', files: ['a.jpg'], exclude: true, to: 'dog' }, error: /exactly one/ },
    { name: 'files and no action', raw: { dataset: '/d', files: ['a.jpg'] }, error: /exactly one/ },
    { name: 'an action and no files', raw: { dataset: '/d', exclude: true }, error: /config\.files/ },
    { name: 'a pending relabel without a class', raw: { dataset: '/d', changes: [{ file: 'a', action: 'relabel' }] },
      error: /config\.changes\[0\]\.to/ },
    { name: 'an unknown pending action', raw: { dataset: '/d', changes: [{ file: 'a', action: 'delete' }] },
      error: /config\.changes\[0\]\.action/ },
  ];
  for (const c of table) {
    it(c.name, () => {
      if (c.error) assert.throws(() => parseRelabelConfig(c.raw), c.error);
      else assert.deepEqual(parseRelabelConfig(c.raw).changes, c.changes);
    });
  }
});
