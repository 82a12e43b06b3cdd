// The embedding cache never hands back a damaged entry: each entry carries a checksum, and an entry that fails it
// (garbage of the right size, a truncated file) is recomputed, rewritten and counted in the train summary.
// Needs `npm run build`; about 15 s on 2 cores.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  fillWithGarbage, filesUnder, preparedDataset, tempDir, trainSmall, truncate, type TrainResult,
} from './storeFixture';

describe('embedding cache entries are checked when read (CLI, real data)', () => {
  const work = tempDir('store-cache');
  let prepared: string;
  let first: TrainResult;

  before(() => {
    prepared = preparedDataset(work);
    first = trainSmall(prepared, work).result;
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('recomputes and counts entries filled with garbage or truncated, and trains to the same val_loss', () => {
    const entries = filesUnder(path.join(work, 'cache'));
    assert.equal(entries.length, first.cache.computed, 'one cache file per computed vector');
    const damaged = entries.filter((_, i) => i % 7 === 3);
    damaged.slice(0, -2).forEach((f) => fillWithGarbage(f));
    damaged.slice(-2).forEach((f) => truncate(f));

    const second = trainSmall(prepared, work);
    assert.equal(second.result.cache.corrupt, damaged.length, JSON.stringify(second.result.cache));
    assert.equal(second.result.cache.computed, damaged.length);
    assert.equal(second.result.cache.fromCache, entries.length - damaged.length);
    assert.equal(second.result.best.valLoss, first.best.valLoss, 'a damaged cache changed the result');
    // Each phase (train, val) says how many it found, naming the cache folder.
    const warning = /warn: (\d+) embedding cache entr(?:y|ies) under (\S+) (?:was|were) damaged/g;
    const said = [...second.stderr.matchAll(warning)];
    assert.equal(said.reduce((n, m) => n + Number(m[1]), 0), damaged.length, second.stderr);
    assert.ok(said.every((m) => m[2].startsWith(path.join(work, 'cache'))), second.stderr);

    // The recomputed entries were written back: a third run reads everything.
    const third = trainSmall(prepared, work).result;
    assert.deepEqual(third.cache, { computed: 0, fromCache: entries.length, corrupt: 0 });
    assert.equal(third.best.valLoss, first.best.valLoss);
  });
});
