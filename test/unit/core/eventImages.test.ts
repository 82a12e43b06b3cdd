// The Grad-CAM overlays that grid tiles and top losses carry are rewritten for the webview exactly as thumbnails
// are: each image on its own, and one the webview may not load is dropped rather than sent as a path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapThumbnails } from '../../../src/core/eventImages';

const classes = ['cat', 'dog'];
const f = (t: string) => (t.startsWith('/ok/') ? `webview:${t}` : undefined);

describe('heatmap URIs in dashboard events', () => {
  it('rewrites a grid tile\'s heatmap beside its thumbnail and keeps its probabilities', () => {
    const e = mapThumbnails({
      type: 'predictions', kind: 'test', runDir: '/r', classes,
      items: [
        { file: '/x.jpg', thumbnail: '/ok/x.jpg', heatmap: '/ok/x.gradcam.jpg', label: 'dog', probability: 0.8, probabilities: [0.2, 0.8] },
        { file: '/y.jpg', thumbnail: '/ok/y.jpg', heatmap: '/elsewhere/y.gradcam.jpg', label: 'cat', probability: 0.6 },
        { file: '/z.jpg', label: 'cat', probability: 0.6 },
      ],
    }, f);
    assert.ok(e.type === 'predictions');
    assert.deepEqual(e.items[0], {
      file: '/x.jpg', thumbnail: 'webview:/ok/x.jpg', heatmap: 'webview:/ok/x.gradcam.jpg', label: 'dog', probability: 0.8,
      probabilities: [0.2, 0.8],
    });
    assert.equal(e.items[1].thumbnail, 'webview:/ok/y.jpg', 'a heatmap out of reach does not cost the thumbnail');
    assert.ok(!('heatmap' in e.items[1]));
    assert.deepEqual(e.items[2], { file: '/z.jpg', label: 'cat', probability: 0.6 });
  });

  it('rewrites the heatmaps of the top losses', () => {
    const e = mapThumbnails({
      type: 'evaluation', runDir: '/r', classes, count: 1, accuracy: 0, logLoss: 1, confusion: [[0, 1], [0, 0]], perClass: [],
      topLosses: [{ file: '/x.jpg', heatmap: '/ok/x.gradcam.jpg', truth: 'cat', predicted: 'dog', probability: 0.9, loss: 2.3 }],
    }, f);
    assert.ok(e.type === 'evaluation');
    assert.equal(e.topLosses[0].heatmap, 'webview:/ok/x.gradcam.jpg');
    assert.ok(!('thumbnail' in e.topLosses[0]));
  });
});
