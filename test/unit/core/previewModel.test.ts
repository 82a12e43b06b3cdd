// The prediction preview's state machine and the messages its webview may send: what the view shows as runs are
// listed, a classification runs, finishes or fails, and which webview messages the host accepts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PreviewModel, type ExplainOutcome } from '../../../src/core/previewModel';
import { parsePreviewMessage } from '../../../src/core/previewProtocol';
import type { RunChoice } from '../../../src/core/runChoice';

const uris = { image: (f: string) => `img:${f}`, overlay: (f: string) => `ovl:${f}` };
const choice = (id: string): RunChoice => ({ runDir: `/runs/${id}`, label: id, description: 'feature-extractor · m' });
const item = (file: string, p: number) => ({
  file, probabilities: [1 - p, p], predicted: p >= 0.5 ? 'dog' : 'cat', probability: Math.max(p, 1 - p),
  overlay: `/cache/explain/${file.split('/').pop()}.gradcam.jpg`, peak: { x: 0.25, y: 0.75 },
});
const outcome = (o: Partial<ExplainOutcome>): ExplainOutcome => ({
  classes: ['cat', 'dog'], layer: 'conv_pw_13_relu', items: [], skipped: [], seconds: 1.5, ...o,
});

describe('the prediction preview model', () => {
  it('shows the opened image at once, before any run is listed', () => {
    const m = new PreviewModel('single', 'dog.1.jpg', ['/p/dog.1.jpg'], uris);
    assert.deepEqual(m.state.images, [{ file: '/p/dog.1.jpg', name: 'dog.1.jpg', src: 'img:/p/dog.1.jpg' }]);
    assert.equal(m.state.status.kind, 'running');
  });

  it('follows the best run until the person picks one', () => {
    const m = new PreviewModel('single', 'x', ['/p/x.jpg'], uris);
    m.setRuns([choice('a'), choice('b')]);
    assert.equal(m.setRuns([choice('better'), choice('a'), choice('b')]), true, 'a better run trained since takes over');
    assert.equal(m.chosenRun, '/runs/better');
    assert.equal(m.chooseRun('/runs/b'), true);
    assert.equal(m.setRuns([choice('best-yet'), choice('better'), choice('b')]), false, 'the person\'s pick stays');
    assert.equal(m.chosenRun, '/runs/b');
  });

  it('chooses the first listed (best) run, keeps the person\'s choice while it is listed, and falls back when it goes', () => {
    const m = new PreviewModel('single', 'x', ['/p/x.jpg'], uris);
    assert.equal(m.setRuns([choice('best'), choice('other')]), true);
    assert.equal(m.chosenRun, '/runs/best');
    assert.equal(m.chooseRun('/runs/other'), true);
    assert.equal(m.setRuns([choice('new'), choice('best'), choice('other')]), false, 'a new listing keeps the choice');
    assert.equal(m.chosenRun, '/runs/other');
    assert.equal(m.setRuns([choice('best')]), true, 'the chosen run was deleted');
    assert.equal(m.chosenRun, '/runs/best');
  });

  it('refuses a run that is not listed, and reports no change for the run already chosen', () => {
    const m = new PreviewModel('single', 'x', ['/p/x.jpg'], uris);
    m.setRuns([choice('a')]);
    assert.equal(m.chooseRun('/elsewhere/run'), false);
    assert.equal(m.chooseRun('/runs/a'), false);
    assert.equal(m.chosenRun, '/runs/a');
  });

  it('says what to do when there is no completed run', () => {
    const m = new PreviewModel('single', 'x', ['/p/x.jpg'], uris);
    assert.equal(m.setRuns([]), false);
    assert.equal(m.state.status.kind, 'no-runs');
    assert.equal(m.state.runDir, undefined);
  });

  it('a single image: progress, then the bars, the overlay URI and the peak', () => {
    const m = new PreviewModel('single', 'dog.1.jpg', ['/p/dog.1.jpg'], uris);
    m.setRuns([choice('a')]);
    m.started();
    m.progress('explain', 0, 1);
    assert.deepEqual(m.state.status, { kind: 'running', message: 'explain 0/1', done: 0, total: 1 });
    m.finished(outcome({ items: [item('/p/dog.1.jpg', 0.9)] }));
    const [image] = m.state.images;
    assert.deepEqual(m.state.classes, ['cat', 'dog']);
    assert.equal(image.overlay, 'ovl:/cache/explain/dog.1.jpg.gradcam.jpg');
    assert.deepEqual(image.probabilities, [0.09999999999999998, 0.9]);
    assert.equal(image.predicted, 'dog');
    assert.deepEqual(image.peak, { x: 0.25, y: 0.75 });
    assert.deepEqual(m.state.status, { kind: 'done', seconds: 1.5, layer: 'conv_pw_13_relu' });
  });

  it('a single image the trainer skipped is an error naming the file and the reason', () => {
    const m = new PreviewModel('single', 'broken.jpg', ['/p/broken.jpg'], uris);
    m.setRuns([choice('a')]);
    m.started();
    m.finished(outcome({ skipped: [{ file: '/p/broken.jpg', reason: 'truncated JPEG' }] }));
    assert.deepEqual(m.state.status, {
      kind: 'error', file: '/p/broken.jpg', message: 'broken.jpg could not be classified: truncated JPEG',
    });
    assert.equal(m.state.images[0].probabilities, undefined);
  });

  it('progress after the end is ignored (a late event does not turn a result back into a spinner)', () => {
    const m = new PreviewModel('single', 'x', ['/p/x.jpg'], uris);
    m.setRuns([choice('a')]);
    m.started();
    m.finished(outcome({ items: [item('/p/x.jpg', 0.2)] }));
    m.progress('explain', 1, 1);
    assert.equal(m.state.status.kind, 'done');
  });

  it('a grid lists what the trainer found in the folders, in its order, with the skipped files', () => {
    const m = new PreviewModel('grid', 'pets', ['/p/pets'], uris);
    assert.equal(m.state.images.length, 0, 'folders are listed by the trainer');
    m.setRuns([choice('a')]);
    m.started();
    m.finished(outcome({
      items: [item('/p/pets/b.jpg', 0.9), item('/p/pets/a.jpg', 0.1)],
      skipped: [{ file: 'notes.png', reason: 'it holds text' }],
    }));
    assert.deepEqual(m.state.images.map((i) => [i.name, i.predicted, i.src]), [
      ['b.jpg', 'dog', 'img:/p/pets/b.jpg'], ['a.jpg', 'cat', 'img:/p/pets/a.jpg'],
    ]);
    assert.deepEqual(m.state.skipped, [{ file: 'notes.png', reason: 'it holds text' }]);
    assert.equal(m.state.status.kind, 'done');
  });

  it('a grid with nothing classified says why', () => {
    const m = new PreviewModel('grid', 'pets', ['/p/pets'], uris);
    m.setRuns([choice('a')]);
    m.finished(outcome({ skipped: [{ file: 'x.jpg', reason: 'empty file' }] }));
    assert.deepEqual(m.state.status, { kind: 'error', message: 'None of the 1 files could be classified (see the list below).' });
    m.finished(outcome({}));
    assert.deepEqual(m.state.status, { kind: 'error', message: 'No images (.jpg, .jpeg, .png, .webp) were found.' });
  });

  it('a failure keeps the last result on screen and carries the hint', () => {
    const m = new PreviewModel('single', 'x', ['/p/x.jpg'], uris);
    m.setRuns([choice('a')]);
    m.finished(outcome({ items: [item('/p/x.jpg', 0.8)] }));
    m.started();
    m.failed('model/weights.bin does not match its checksum', 'Train the run again.');
    assert.deepEqual(m.state.status, { kind: 'error', message: 'model/weights.bin does not match its checksum', hint: 'Train the run again.' });
    assert.equal(m.state.images[0].predicted, 'dog');
  });

  it('a new classification asks for the image again (its URI is made afresh, so a changed file reloads)', () => {
    let version = 0;
    const m = new PreviewModel('single', 'x', ['/p/x.jpg'], { image: (f) => `${f}?v=${version}`, overlay: (f) => f });
    assert.equal(m.state.images[0].src, '/p/x.jpg?v=0');
    version = 1;
    m.started();
    assert.equal(m.state.images[0].src, '/p/x.jpg?v=1');
  });
});

describe('messages from the preview webview', () => {
  const cases: { input: unknown; ok: boolean; error?: RegExp }[] = [
    { input: { type: 'ready' }, ok: true },
    { input: { type: 'retry' }, ok: true },
    { input: { type: 'chooseRun', runDir: '/runs/a' }, ok: true },
    { input: { type: 'openFile', path: '/p/x.jpg' }, ok: true },
    { input: { type: 'chooseRun' }, ok: false, error: /preview\.runDir/ },
    { input: { type: 'openFile', path: 3 }, ok: false, error: /preview\.path/ },
    { input: { type: 'runCommand', command: 'workbench.action.quit' }, ok: false, error: /unknown message type "runCommand"/ },
    { input: { type: 'toString' }, ok: false, error: /unknown message type/ },
    { input: null, ok: false, error: /unknown message type undefined/ },
    { input: 'ready', ok: false, error: /unknown message type/ },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.input)} is ${c.ok ? 'accepted' : 'refused'}`, () => {
      const parsed = parsePreviewMessage(c.input);
      assert.equal(parsed.ok, c.ok);
      if (!parsed.ok && c.error) assert.match(parsed.error, c.error);
    });
  }

  it('keeps only the fields of the message', () => {
    const parsed = parsePreviewMessage({ type: 'chooseRun', runDir: '/runs/a', extra: 'x' });
    assert.deepEqual(parsed, { ok: true, value: { type: 'chooseRun', runDir: '/runs/a' } });
  });
});
