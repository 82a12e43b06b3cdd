// A class too small to hold out a validation image (one image: valCount gives 0) makes val_acc say nothing about it:
// prepare warns, naming the class, and says what to do.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PrepareResult } from '../../src/core/jobs/prepare';
import { runJob } from '../../src/trainer/jobs/runJob';
import { patternJpeg } from '../fixtures/syntheticImages';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-no-val-'));
const src = path.join(tmp, 'photos');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function prepare(config: Record<string, unknown>): Promise<PrepareResult> {
  const terminal = await runJob('prepare', { source: src, dryRun: true, ...config }, {
    emit: () => undefined, signal: new AbortController().signal,
  });
  assert.equal(terminal.type, 'done', JSON.stringify(terminal));
  return (terminal as { result: PrepareResult }).result;
}

describe('prepare warns about classes without validation images', () => {
  before(async () => {
    const sizes: [string, number][] = [['ant', 6], ['bee', 5], ['moth', 1], ['wasp', 1]];
    for (const [k, [c, n]] of sizes.entries()) {
      fs.mkdirSync(path.join(src, c), { recursive: true });
      for (let i = 0; i < n; i++) {
        fs.writeFileSync(path.join(src, c, `${c}-${i}.jpg`), await patternJpeg(k * 100 + i + 1));
      }
    }
  });

  it('names each class with no validation image in one warning with a hint', async () => {
    const r = await prepare({});
    assert.equal(r.counts.val.moth, 0);
    const f = r.findings.find((x) => x.code === 'no-val-images');
    assert.ok(f, JSON.stringify(r.findings.map((x) => x.code)));
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /"moth"/);
    assert.match(f.message, /"wasp"/);
    assert.doesNotMatch(f.message, /"ant"|"bee"/);
    assert.match(f.message, /validation/);
    assert.ok(f.hint && /at least 2/.test(f.hint), f.hint);
  });

  it('says nothing when the user asked for no validation at all', async () => {
    const r = await prepare({ val: 0 });
    assert.equal(r.findings.find((x) => x.code === 'no-val-images'), undefined);
  });
});
