// The manifest contract, the journal that makes runs resumable, the job's config, and the 'dataset' protocol event.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countsOf, manifestJson, parseManifest, type DatasetManifest, type ManifestFile } from '../../../src/core/datasetManifest';
import {
  journalLine, journalSnapshot, ownedFromManifest, reconcile, replayJournal, unneededDirs, dirsDeepestFirst,
} from '../../../src/core/prepareJournal';
import { defaultOutputFor, parsePrepareConfig } from '../../../src/core/jobs/prepare';
import { countsTable, pickSamples, sampleCaption } from '../../../src/core/preparePreview';
import { parseTrainerMessage } from '../../../src/core/protocol';

const hex = (c: string) => c.repeat(64).slice(0, 64);
const file = (path: string, cls: string | null, split: ManifestFile['split'], h: string): ManifestFile =>
  ({ path, source: `/src/${path}`, sha256: hex(h), class: cls, split, bytes: 10, width: 500, height: 374 });

function manifest(files: ManifestFile[]): DatasetManifest {
  const classes = ['cat', 'dog'];
  return {
    version: 1, layout: 'kaggle-flat', source: '/src', output: '/out', classes, settings: { val: 0.2, trainDev: 0, seed: 42, placement: 'link' },
    files, excluded: [], findings: [], counts: countsOf(files, classes), createdDirs: ['.', 'train', 'train/cat'],
  };
}
const withFiles = (m: DatasetManifest, files: ManifestFile[]) => ({ ...m, files, counts: countsOf(files, m.classes) });
const good = [file('test/1.jpg', null, 'test', 'a'), file('train/cat/cat.1.jpg', 'cat', 'train', 'b'), file('val/dog/dog.1.jpg', 'dog', 'val', 'c')];

describe('parseManifest', () => {
  const table: { name: string; edit: (m: DatasetManifest) => unknown; error?: RegExp }[] = [
    { name: 'a good manifest', edit: (m) => m },
    { name: 'a round trip through JSON', edit: (m) => JSON.parse(manifestJson(m)) },
    { name: 'not an object', edit: () => 'dataset', error: /expected object/ },
    { name: 'a newer version', edit: (m) => ({ ...m, version: 2 }), error: /version/ },
    { name: 'a path that escapes the output', edit: (m) => ({ ...m, files: [{ ...m.files[0], path: '../../etc/passwd' }] }), error: /inside the output/ },
    { name: 'an absolute path', edit: (m) => ({ ...m, files: [{ ...m.files[0], path: '/etc/passwd' }] }), error: /inside the output/ },
    { name: 'a path listed twice', edit: (m) => ({ ...m, files: [m.files[1], m.files[1]], counts: { train: { cat: 2, dog: 0 } } }), error: /listed once/ },
    { name: 'an unknown class', edit: (m) => ({ ...m, files: [{ ...m.files[1], class: 'cow' }] }), error: /one of classes/ },
    { name: 'an unlabeled training image', edit: (m) => ({ ...m, files: [{ ...m.files[1], class: null }] }), error: /only test images may be unlabeled/ },
    { name: 'one content in two splits', edit: (m) => ({ ...m, files: [m.files[1], { ...m.files[2], sha256: m.files[1].sha256 }] }), error: /not already in split train/ },
    {
      name: 'one content in val and train-dev',
      edit: (m) => withFiles(m, [
        m.files[2], { ...m.files[1], path: 'train-dev/dog/d.jpg', class: 'dog', split: 'train-dev', sha256: m.files[2].sha256 },
      ]),
      error: /not already in split val/,
    },
    {
      name: 'a test image that copies a training image (kept, and reported as a finding)',
      edit: (m) => withFiles(m, [m.files[1], { ...m.files[0], sha256: m.files[1].sha256 }]),
    },
    {
      name: 'copies within test (each id kept)',
      edit: (m) => withFiles(m, [m.files[0], { ...m.files[0], path: 'test/2.jpg' }, { ...m.files[0], path: 'test/3.jpg' }]),
    },
    { name: 'counts that disagree', edit: (m) => ({ ...m, counts: { train: { cat: 5 } } }), error: /counts matching files/ },
    { name: 'a bad hash', edit: (m) => ({ ...m, files: [{ ...m.files[0], sha256: 'abc' }] }), error: /sha256/ },
  ];
  for (const c of table) {
    it(c.name, () => {
      const r = parseManifest(c.edit(manifest(good)));
      assert.equal(r.ok, !c.error, JSON.stringify(r));
      if (!r.ok && c.error) assert.match(r.error, c.error);
    });
  }
  it('counts list every class for labeled splits and unlabeled test images apart', () => {
    assert.deepEqual(countsOf(good, ['cat', 'dog']), { train: { cat: 1, dog: 0 }, val: { cat: 0, dog: 1 }, test: { '(unlabeled)': 1 } });
  });
});

describe('journal', () => {
  it('replays files, dirs and removals, and skips a torn last line', () => {
    const text = journalLine({ t: 'begin', v: 1, source: '/src' }) + journalLine({ t: 'dir', path: '.' }) + journalLine({ t: 'dir', path: 'train' }) +
      journalLine({ t: 'file', path: 'train/a.jpg', sha256: hex('1') }) + journalLine({ t: 'file', path: 'train/b.jpg', sha256: hex('2') }) +
      journalLine({ t: 'removed', path: 'train/a.jpg' }) + journalLine({ t: 'file', path: '../escape.jpg', sha256: hex('3') }) + '{"t":"file","path":"train/c.j';
    const o = replayJournal(text);
    assert.deepEqual([...o.files], [['train/b.jpg', hex('2')]]);
    assert.deepEqual([...o.dirs], ['.', 'train']);
    assert.equal(o.source, '/src');
  });

  it('a snapshot replays to what it was made from', () => {
    const o = ownedFromManifest(manifest(good));
    const back = replayJournal(journalSnapshot(o, '/src'));
    assert.deepEqual([...back.files].sort(), [...o.files].sort());
    assert.deepEqual([...back.dirs].sort(), [...o.dirs].sort());
  });

  it('reconciles: keeps what is in place, places what is missing or stale, removes what is no longer planned', () => {
    const owned = replayJournal(journalLine({ t: 'file', path: 'train/cat/cat.1.jpg', sha256: hex('b') }) +
      journalLine({ t: 'file', path: 'val/dog/dog.1.jpg', sha256: hex('x') }) + journalLine({ t: 'file', path: 'val/cat/old.jpg', sha256: hex('d') }));
    const present = new Set(['train/cat/cat.1.jpg', 'val/dog/dog.1.jpg']);
    const r = reconcile(good, owned, present);
    assert.deepEqual(r.remove, ['val/cat/old.jpg']);
    assert.deepEqual(r.place.map((f) => f.path), ['test/1.jpg', 'val/dog/dog.1.jpg']);
    assert.equal(r.keep, 1);
  });

  it('folders: unneeded ones and all, deepest first', () => {
    assert.deepEqual(unneededDirs(['.', 'train', 'train/cat', 'val', 'val/cow', 'train-dev'], good), ['val/cow', 'train-dev']);
    assert.deepEqual(dirsDeepestFirst(['.', 'train', 'train/cat']), ['train/cat', 'train', '.']);
  });
});

describe('parsePrepareConfig', () => {
  const table: { name: string; config: Record<string, unknown>; error?: RegExp; check?: Record<string, unknown> }[] = [
    { name: 'defaults', config: { source: '/d' }, check: { val: 0.2, trainDev: 0, seed: 42, placement: 'link', dryRun: false, undo: false, samples: 8 } },
    { name: 'all options', config: { source: '/d', out: '/o', val: 0.1, trainDev: 0.1, seed: 7, maxPerClass: 2000, maxValPerClass: 400, maxTest: 50, placement: 'copy', dryRun: true }, check: { maxTest: 50, placement: 'copy' } },
    { name: 'relative source', config: { source: 'data' }, error: /absolute path/ },
    { name: 'val out of range', config: { source: '/d', val: 1 }, error: /config\.val/ },
    { name: 'val + trainDev ≥ 1', config: { source: '/d', val: 0.6, trainDev: 0.4 }, error: /less than 1/ },
    { name: 'a fractional cap', config: { source: '/d', maxPerClass: 2.5 }, error: /whole number/ },
    { name: 'a negative seed', config: { source: '/d', seed: -1 }, error: /config\.seed/ },
    { name: 'an unknown placement', config: { source: '/d', placement: 'move' }, error: /config\.placement/ },
  ];
  for (const c of table) {
    it(c.name, () => {
      if (c.error) return void assert.throws(() => parsePrepareConfig(c.config), c.error);
      const r: Record<string, unknown> = { ...parsePrepareConfig(c.config) };
      for (const [k, v] of Object.entries(c.check ?? {})) assert.equal(r[k], v, k);
    });
  }
  it('the default output sits beside the source', () => {
    assert.equal(defaultOutputFor('/home/me/dogs-vs-cats/'), '/home/me/dogs-vs-cats-prepared');
  });
});

describe('preview', () => {
  it('a counts table with rows per class and a total', () => {
    assert.equal(countsTable(countsOf(good, ['cat', 'dog']), ['cat', 'dog']), [
      'class        train  val  test  total',
      'cat              1    0     0      1',
      'dog              0    1     0      1',
      '(unlabeled)      0    0     1      1',
      'total            1    1     1      3',
    ].join('\n'));
  });
  it('samples are seeded, per class, never from test, and captioned with their size', () => {
    const files = [...good, file('train/cat/cat.2.jpg', 'cat', 'train', 'e'), file('train/dog/dog.2.jpg', 'dog', 'train', 'f')];
    const s = pickSamples(files, ['cat', 'dog'], 1, 42);
    assert.deepEqual(s.map((x) => x.class), ['cat', 'dog']);
    assert.deepEqual(pickSamples(files, ['cat', 'dog'], 1, 42), s);
    assert.ok(s.every((x) => !x.file.includes('/test/')));
    assert.equal(sampleCaption(s[0]), 'cat (500, 374)');
  });
});

describe('dataset protocol event', () => {
  const event = {
    v: 1, type: 'dataset', layout: 'kaggle-flat', layoutReason: 'names', source: '/s', output: '/o', classes: ['cat', 'dog'],
    counts: { train: { cat: 560, dog: 560 } }, samples: [{ class: 'cat', file: '/s/cat.1.jpg', width: 500, height: 374 }],
    findings: [{ code: 'truncated', severity: 'error', message: 'Cannot decode', files: ['train/cat.1.jpg'], hint: 'fetch it again' }], dryRun: false,
  };
  it('validates a dataset event', () => assert.ok(parseTrainerMessage(event).ok));
  it('rejects a bad severity and a non-numeric count', () => {
    const a = parseTrainerMessage({ ...event, findings: [{ ...event.findings[0], severity: 'fatal' }] });
    assert.ok(!a.ok && /findings\[0\]\.severity/.test(a.error));
    const b = parseTrainerMessage({ ...event, counts: { train: { cat: 'many' } } });
    assert.ok(!b.ok && /counts\.train\.cat/.test(b.error));
  });
});
