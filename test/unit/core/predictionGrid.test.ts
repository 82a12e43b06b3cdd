import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapThumbnails } from '../../../src/core/eventImages';
import { testGrid, valGrid } from '../../../src/core/predictionGrid';

const classes = ['cat', 'dog'];

describe('prediction grids', () => {
  it('the test grid keeps the given order and titles each image with its more likely class', () => {
    const g = testGrid([{ file: '2.jpg', probabilities: [0.1, 0.9] }, { file: '10.jpg', probabilities: [0.7, 0.3] }], classes, 5);
    assert.deepEqual(g, [{ file: '2.jpg', label: 'dog', probability: 0.9 }, { file: '10.jpg', label: 'cat', probability: 0.7 }]);
  });

  it('the val grid puts the most confident mistakes first (at most a third), then correct images by file', () => {
    const scored = [
      { file: 'a', truth: 'cat', probabilities: [0.9, 0.1] },
      { file: 'b', truth: 'cat', probabilities: [0.4, 0.6] },
      { file: 'c', truth: 'dog', probabilities: [0.95, 0.05] },
      { file: 'd', truth: 'dog', probabilities: [0.2, 0.8] },
      { file: 'e', truth: 'cat', probabilities: [0.3, 0.7] },
      { file: 'f', truth: 'cat', probabilities: [0.8, 0.2] },
    ];
    const g = valGrid(scored, classes, 6);
    assert.deepEqual(g.map((i) => i.file), ['c', 'e', 'a', 'd', 'f']);
    assert.deepEqual(g.map((i) => [i.label, i.truth]), [['cat', 'dog'], ['dog', 'cat'], ['cat', 'cat'], ['dog', 'dog'], ['cat', 'cat']]);
  });

  it('rewrites thumbnails in every event that carries images, dropping ones the webview may not load', () => {
    const f = (t: string) => (t.startsWith('/ok/') ? `webview:${t}` : undefined);
    const e = mapThumbnails({
      type: 'predictions', kind: 'val', runDir: '/r', classes,
      items: [{ file: '/x.jpg', thumbnail: '/ok/x.jpg', label: 'cat', probability: 1, truth: 'cat' }, { file: '/y.jpg', thumbnail: '/elsewhere/y.jpg', label: 'dog', probability: 1 }],
    }, f);
    assert.ok(e.type === 'predictions');
    assert.equal(e.items[0].thumbnail, 'webview:/ok/x.jpg');
    assert.ok(!('thumbnail' in e.items[1]));
    const d = mapThumbnails({
      type: 'dataset', layout: 'flat', layoutReason: '', source: '/s', output: '/o', classes, counts: {}, findings: [], dryRun: true,
      samples: [{ class: 'cat', file: 'a.jpg', width: 2, height: 3, thumbnail: '/ok/a.jpg' }],
    }, f);
    assert.ok(d.type === 'dataset' && d.samples[0].thumbnail === 'webview:/ok/a.jpg');
    const ev = mapThumbnails({
      type: 'evaluation', runDir: '/r', classes, count: 1, accuracy: 0, logLoss: 1, confusion: [[0, 1], [0, 0]], perClass: [],
      topLosses: [{ file: '/x.jpg', thumbnail: '/ok/x.jpg', truth: 'cat', predicted: 'dog', probability: 0.9, loss: 2.3 }],
    }, f);
    assert.ok(ev.type === 'evaluation' && ev.topLosses[0].thumbnail === 'webview:/ok/x.jpg');
  });
});
