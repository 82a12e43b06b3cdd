// A run's layers.json is read by "Open in Dashboard" (runReplay) and the fine-tune picker (readLayerTable): a file
// that is damaged or edited gives a problem naming it, never rows cast unchecked that fail later as a TypeError.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseLayerTable, type LayerRow } from '../../../src/core/protocol';
import { readLayerTable, runReplay } from '../../../src/extension/runReplay';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-replay-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const row: LayerRow = {
  index: 0, name: 'conv1', type: 'Conv2D', outputShape: '[null,112,112,16]', params: 432, trainable: false,
  block: 'stem',
};

let n = 0;
function run(layers?: string): string {
  const dir = path.join(tmp, `run-${++n}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({
    id: `run-${n}`, status: 'completed', mode: 'feature-extractor', backbone: 'm', dataset: '/d', classes: ['a', 'b'],
    engine: 'cpu', createdAt: 't', updatedAt: 't', config: {}, history: [], timings: {},
  }));
  if (layers !== undefined) fs.writeFileSync(path.join(dir, 'layers.json'), layers);
  return dir;
}

describe('layers.json', () => {
  it('parseLayerTable checks every row as the layers event does', () => {
    assert.deepEqual(parseLayerTable([row]), { ok: true, value: [row] });
    const bad = parseLayerTable([row, { ...row, params: '432' }], 'x/layers.json');
    assert.ok(!bad.ok && /x\/layers\.json\[1\]\.params/.test(bad.error), JSON.stringify(bad));
    assert.ok(!parseLayerTable({ layers: [row] }).ok);
  });

  it('a good file replays as a layers event; a run without one has none and no problem', async () => {
    const good = await runReplay(run(JSON.stringify([row])));
    const layersEvent = good.events.find((e) => e.type === 'layers');
    assert.deepEqual(layersEvent, { type: 'layers', layers: [row], runDir: path.join(tmp, `run-${n}`) });
    assert.deepEqual(good.problems, []);
    const none = await runReplay(run());
    assert.equal(none.events.some((e) => e.type === 'layers'), false);
    assert.deepEqual(none.problems, []);
    assert.deepEqual(await readLayerTable(path.join(tmp, `run-${n}`)), {});
  });

  for (const [what, text] of [
    ['not JSON', '[{"index": 0'],
    ['an object, not a list', JSON.stringify({ layers: [row] })],
    ['a row of the wrong shape', JSON.stringify([{ ...row, name: 7 }])],
  ] as const) {
    it(`${what}: no layers event, and a problem naming the file`, async () => {
      const dir = run(text);
      const file = path.join(dir, 'layers.json');
      const replay = await runReplay(dir);
      assert.equal(replay.events.some((e) => e.type === 'layers'), false);
      assert.equal(replay.problems.length, 1);
      assert.ok(replay.problems[0].startsWith(file), replay.problems[0]);
      const read = await readLayerTable(dir);
      assert.equal(read.layers, undefined);
      assert.ok(read.problem?.startsWith(file), read.problem);
    });
  }
});
