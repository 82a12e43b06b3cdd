// The cleaner's pending list (marks made on tiles before Apply): add, replace, undo, discard, what Apply leaves
// pending, and the stored form that carries the marks over a closed dashboard; and the messages that carry them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  markPending, parsePendingStore, pendingOf, pendingSummary, relabelChanges, remainingAfterApply,
  serialisePendingStore, undoPending, type PendingStore,
} from '../../../src/core/cleanerPending';
import type { PendingChange } from '../../../src/core/cleanerProtocol';
import { retrainConfig } from '../../../src/core/cleanerRetrain';
import { parseWebviewMessage } from '../../../src/core/protocol';

const D = '/ws/prepared';
const ex = (name: string): PendingChange => ({ file: `${D}/val/cat/${name}`, action: 'exclude' });
const mv = (name: string, to: string, from = 'cat'): PendingChange => ({ file: `${D}/val/cat/${name}`, action: 'relabel', to, from });

describe('markPending', () => {
  const cases: { name: string; list: PendingChange[]; mark: PendingChange; want: PendingChange[] }[] = [
    { name: 'adds a mark to an empty list', list: [], mark: ex('a.jpg'), want: [ex('a.jpg')] },
    { name: 'adds after the others, in the order made', list: [ex('a.jpg')], mark: mv('b.jpg', 'dog'), want: [ex('a.jpg'), mv('b.jpg', 'dog')] },
    { name: 'replaces the same image\'s mark and makes it the latest', list: [ex('a.jpg'), ex('b.jpg')], mark: mv('a.jpg', 'dog'),
      want: [ex('b.jpg'), mv('a.jpg', 'dog')] },
    { name: 'a move back to the class the tile showed removes the mark', list: [mv('a.jpg', 'dog'), ex('b.jpg')], mark: mv('a.jpg', 'cat'),
      want: [ex('b.jpg')] },
    { name: 'a move without a known class is kept', list: [], mark: { file: `${D}/x.jpg`, action: 'relabel', to: 'cat' },
      want: [{ file: `${D}/x.jpg`, action: 'relabel', to: 'cat' }] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(markPending(c.list, c.mark), c.want));

  it('leaves the list it was given alone', () => {
    const list = [ex('a.jpg')];
    markPending(list, ex('b.jpg'));
    assert.deepEqual(list, [ex('a.jpg')]);
  });
});

describe('undoPending and discard', () => {
  const list = [ex('a.jpg'), mv('b.jpg', 'dog'), ex('c.jpg')];
  const cases: { name: string; file?: string; want: PendingChange[] }[] = [
    { name: 'undo of one image drops only its change', file: ex('b.jpg').file, want: [ex('a.jpg'), ex('c.jpg')] },
    { name: 'Undo last drops the latest', want: [ex('a.jpg'), mv('b.jpg', 'dog')] },
    { name: 'undo of an image without a change changes nothing', file: `${D}/none.jpg`, want: list },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(undoPending(list, c.file), c.want));
  it('Undo last on an empty list is empty', () => assert.deepEqual(undoPending([]), []));
  it('Discard is undoing every change, latest first', () => {
    let l = list;
    while (l.length) l = undoPending(l);
    assert.deepEqual(l, []);
  });
  it('finds an image\'s change', () => {
    assert.deepEqual(pendingOf(list, mv('b.jpg', 'dog').file), mv('b.jpg', 'dog'));
    assert.equal(pendingOf(list, `${D}/none.jpg`), undefined);
  });
});

describe('Apply', () => {
  it('sends the changes in order, without the display-only class', () => {
    assert.deepEqual(relabelChanges([ex('a.jpg'), mv('b.jpg', 'dog')]), [
      { file: ex('a.jpg').file, action: 'exclude' }, { file: mv('b.jpg', 'dog').file, action: 'relabel', to: 'dog' },
    ]);
  });
  const cases: { name: string; refused: string[]; dataset?: string; want: PendingChange[] }[] = [
    { name: 'nothing refused: nothing stays', refused: [], want: [] },
    { name: 'a refusal named as dataset.json names it keeps that change', refused: ['val/cat/b.jpg'], want: [mv('b.jpg', 'dog')] },
    { name: 'a refusal named as it was sent keeps that change', refused: [ex('a.jpg').file], want: [ex('a.jpg')] },
    { name: 'a trailing slash on the dataset changes nothing', refused: ['val/cat/a.jpg'], dataset: `${D}/`, want: [ex('a.jpg')] },
    { name: 'a file of another folder with the same tail is not kept', refused: ['val/cat/a.jpg'], dataset: '/ws/other', want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(remainingAfterApply([ex('a.jpg'), mv('b.jpg', 'dog')],
      c.refused.map((file) => ({ file, reason: `${file} is refused` })), c.dataset ?? D), c.want));
  }
  it('Windows paths match too', () => {
    const win: PendingChange = { file: 'C:\\ws\\prep\\val\\cat\\a.jpg', action: 'exclude' };
    assert.deepEqual(remainingAfterApply([win], [{ file: 'val/cat/a.jpg', reason: 'x' }], 'C:\\ws\\prep'), [win]);
  });
  it('summarises the list', () => {
    assert.equal(pendingSummary([ex('a.jpg'), mv('b.jpg', 'dog'), ex('c.jpg')]), '2 to exclude, 1 to move');
    assert.equal(pendingSummary([]), 'no pending changes');
  });
});

describe('the stored pending lists', () => {
  const store: PendingStore = {
    [D]: { pending: [ex('a.jpg'), mv('b.jpg', 'dog')], runDir: '/ws/.transfer-lab/runs/r1' },
    '/ws/other': { pending: [ex('z.jpg')] },
  };
  it('read back what was saved (through JSON, as workspaceState keeps it)', () => {
    assert.deepEqual(parsePendingStore(JSON.parse(JSON.stringify(serialisePendingStore(store)))), store);
  });
  it('leave out datasets with nothing pending and no run', () => {
    assert.deepEqual(Object.keys(serialisePendingStore({ ...store, '/ws/empty': { pending: [] } })), [D, '/ws/other']);
  });
  const bad: { name: string; value: unknown; want: PendingStore }[] = [
    { name: 'nothing stored yet', value: undefined, want: {} },
    { name: 'not an object', value: [1, 2], want: {} },
    { name: 'an entry that is not an object', value: { [D]: 'x' }, want: {} },
    { name: 'a change without a file', value: { [D]: { pending: [{ action: 'exclude' }, ex('a.jpg')] } }, want: { [D]: { pending: [ex('a.jpg')] } } },
    { name: 'a move without its class', value: { [D]: { pending: [{ file: 'f', action: 'relabel' }] } }, want: { [D]: { pending: [] } } },
    { name: 'an unknown action', value: { [D]: { pending: [{ file: 'f', action: 'delete' }] }, runDir: 7 }, want: { [D]: { pending: [] } } },
  ];
  for (const c of bad) it(`drop what is not a pending list: ${c.name}`, () => assert.deepEqual(parsePendingStore(c.value), c.want));
});

describe('the cleaner\'s dashboard messages', () => {
  const ok = [
    { kind: 'mark', source: { runDir: '/r' }, change: ex('a.jpg') },
    { kind: 'mark', source: { dataset: D }, change: mv('a.jpg', 'dog') },
    { kind: 'undo' }, { kind: 'undo', file: 'f' }, { kind: 'discard' }, { kind: 'apply' }, { kind: 'retrain' },
  ];
  for (const intent of ok) {
    it(`reads ${JSON.stringify(intent)}`, () => {
      const parsed = parseWebviewMessage({ type: 'cleaner', intent });
      assert.deepEqual(parsed, { ok: true, value: { type: 'cleaner', intent } });
    });
  }
  const refused: [string, unknown, RegExp][] = [
    ['an unknown intent', { kind: 'delete' }, /intent\.kind/],
    ['a mark with both sources', { kind: 'mark', source: { runDir: '/r', dataset: D }, change: ex('a.jpg') }, /source: expected either runDir or dataset/],
    ['a mark with no source', { kind: 'mark', source: {}, change: ex('a.jpg') }, /source/],
    ['a move without a class', { kind: 'mark', source: { runDir: '/r' }, change: { file: 'f', action: 'relabel' } }, /change\.to/],
    ['an empty file', { kind: 'mark', source: { runDir: '/r' }, change: { file: '', action: 'exclude' } }, /change\.file/],
  ];
  for (const [name, intent, error] of refused) {
    it(`refuses ${name}`, () => {
      const parsed = parseWebviewMessage({ type: 'cleaner', intent });
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.error, error);
    });
  }
});

describe('retrainConfig: Retrain repeats the marked run\'s settings on the cleaned dataset', () => {
  const fe = {
    mode: 'feature-extractor', dataset: '/old', backbone: '/models/m', cut: 'conv_pw_13_relu', epochs: 3, patience: 10,
    batch: 32, size: 224, resize: 'fill', augment: 2, seed: 42, head: 'recipe', runsDir: '/elsewhere/runs',
    cacheDir: '/ws/.transfer-lab/cache', engine: 'wasm', overrides: [{ file: 'val/cat/a.jpg', action: 'exclude', at: 'T' }],
  };
  it('takes the training settings and the cache, not where runs went, the engine or the old overrides', () => {
    assert.deepEqual(retrainConfig(D, fe, undefined, 'run.json'), {
      mode: 'feature-extractor', dataset: D, backbone: '/models/m', cut: 'conv_pw_13_relu', epochs: 3, patience: 10,
      batch: 32, size: 224, resize: 'fill', augment: 2, seed: 42, head: 'recipe', cacheDir: '/ws/.transfer-lab/cache',
    });
  });
  it('a fine-tune retrains its source\'s backbone as a feature extractor, with the head\'s default rate and epochs', () => {
    const ft = { mode: 'fine-tune', from: '/runs/fe', unfreezeFrom: 'block5', lr: 1e-4, epochs: 5, patience: 5, seed: 1, cut: 'x' };
    assert.deepEqual(retrainConfig(D, ft, fe, 'run.json'), {
      mode: 'feature-extractor', dataset: D, backbone: '/models/m', cut: 'conv_pw_13_relu', size: 224, resize: 'fill', seed: 1,
    });
  });
  it('names the field of run.json that is not a setting', () => {
    assert.throws(() => retrainConfig(D, { ...fe, epochs: 0 }, undefined, '/runs/r/run.json'), /\/runs\/r\/run\.json\.epochs/);
  });
  it('says when there is no backbone to retrain', () => {
    assert.throws(() => retrainConfig(D, { mode: 'fine-tune', from: '/gone' }, undefined, 'run.json'), /names no backbone \(nor does the run it fine-tuned\)/);
  });
});
