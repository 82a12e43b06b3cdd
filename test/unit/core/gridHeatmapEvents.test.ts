// A grid tile's Grad-CAM overlay and its class probabilities cross the protocol like its thumbnail: checked on the
// way in, rewritten to a webview URI (or dropped) on the way to the dashboard.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapThumbnails } from '../../../src/core/eventImages';
import { parseTrainerMessage, withVersion, type TrainerEvent } from '../../../src/core/protocol';

const classes = ['cat', 'dog'];
const tile = { file: '/x.jpg', thumbnail: '/ok/x.jpg', heatmap: '/ok/x.gradcam.jpg', label: 'cat', probability: 0.8, probabilities: [0.8, 0.2] };
const loss = { file: '/y.jpg', thumbnail: '/ok/y.jpg', heatmap: '/far/y.gradcam.jpg', truth: 'cat', predicted: 'dog', probability: 0.9, loss: 2.3, probabilities: [0.1, 0.9] };

describe('heatmaps and probabilities on grid events', () => {
  it('keep both fields through the protocol check, and refuse a probability that is not one', () => {
    const grid = { type: 'predictions', kind: 'val', runDir: '/r', classes, items: [tile] };
    const parsed = parseTrainerMessage(withVersion(grid));
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    assert.deepEqual((parsed.value as { items: unknown[] }).items[0], tile);
    const evaluation = { type: 'evaluation', runDir: '/r', classes, count: 1, accuracy: 0, logLoss: 2.3,
      confusion: [[0, 1], [0, 0]], perClass: [], topLosses: [loss] };
    const e = parseTrainerMessage(withVersion(evaluation));
    assert.ok(e.ok && (e.value as { topLosses: unknown[] }).topLosses[0] && JSON.stringify(e.value).includes('y.gradcam'));
    for (const bad of [[0.5, Number.NaN], [1.5, -0.5], 'high']) {
      const r = parseTrainerMessage(withVersion({ ...grid, items: [{ ...tile, probabilities: bad }] }));
      assert.ok(!r.ok && /probabilities/.test(r.error), JSON.stringify(bad));
    }
  });

  it('rewrite the heatmap like the thumbnail, dropping one the webview may not load', () => {
    const f = (t: string) => (t.startsWith('/ok/') ? `webview:${t}` : undefined);
    const g = mapThumbnails({ type: 'predictions', kind: 'val', runDir: '/r', classes, items: [tile] } as TrainerEvent, f);
    assert.ok(g.type === 'predictions');
    assert.equal(g.items[0].heatmap, 'webview:/ok/x.gradcam.jpg');
    assert.equal(g.items[0].thumbnail, 'webview:/ok/x.jpg');
    assert.deepEqual(g.items[0].probabilities, [0.8, 0.2]);
    const e = mapThumbnails({ type: 'evaluation', runDir: '/r', classes, count: 1, accuracy: 0, logLoss: 2.3,
      confusion: [[0, 1], [0, 0]], perClass: [], topLosses: [loss] }, f);
    assert.ok(e.type === 'evaluation');
    assert.ok(!('heatmap' in e.topLosses[0]));
    assert.equal(e.topLosses[0].thumbnail, 'webview:/ok/y.jpg');
  });
});
