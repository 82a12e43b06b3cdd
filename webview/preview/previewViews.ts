// The preview's two bodies: one image (the picture with its overlay beside the bars) and a grid of tiles (the
// overlay or the image, the top class, and the bars on hover or focus). The overlay sits on the original and the
// opacity slider sets how much of it shows (the --overlay-opacity variable); the heatmap toggle hides it.
import type { PreviewImage, PreviewState } from '../../src/core/previewProtocol';
import { codicon, el, fmtPct } from '../dom';
import { probabilityBars, probabilityLines } from '../probabilityBars';
import { post } from './previewApi';

/** The image with its overlay stacked on top, and a marker where the heatmap peaks. */
function stack(image: PreviewImage, lazy: boolean): HTMLElement {
  const load: Record<string, string> = lazy ? { loading: 'lazy', decoding: 'async' } : { decoding: 'async' };
  const layers: HTMLElement[] = [el('img', { class: 'original', src: image.src, alt: image.name, ...load })];
  if (image.overlay) {
    layers.push(el('img', { class: 'overlay', src: image.overlay, alt: `Grad-CAM heatmap of ${image.name}`, ...load }));
  }
  if (image.peak) {
    const peak = el('span', { class: 'peak', 'aria-hidden': 'true' });
    peak.style.left = `${(100 * image.peak.x).toFixed(1)}%`;
    peak.style.top = `${(100 * image.peak.y).toFixed(1)}%`;
    layers.push(peak);
  }
  return el('span', { class: 'stack' }, ...layers);
}

function openButton(file: string): HTMLElement {
  const open = el('vscode-button', { icon: 'go-to-file', secondary: '', 'aria-label': 'Open the image file' }, 'Open File');
  open.addEventListener('click', () => post({ type: 'openFile', path: file }));
  return open;
}

export function singleView(state: PreviewState): HTMLElement {
  const image = state.images[0];
  if (!image) return el('p', { class: 'muted' }, 'No image.');
  const verdict = image.predicted !== undefined && image.probability !== undefined
    ? el('p', { class: 'verdict' }, el('span', { class: 'verdict-class' }, image.predicted), ` ${fmtPct(image.probability)}`)
    : el('p', { class: 'muted' }, 'Not classified yet.');
  return el(
    'div',
    { class: 'single' },
    el('figure', { class: 'picture' }, stack(image, false), el('figcaption', { class: 'muted' }, image.name)),
    el(
      'section',
      { class: 'result', 'aria-label': 'Prediction' },
      verdict,
      ...(image.probabilities ? [probabilityBars(state.classes, image.probabilities, image.predicted)] : []),
      el('div', { class: 'actions' }, openButton(image.file)),
    ),
  );
}

function tile(state: PreviewState, image: PreviewImage): HTMLElement {
  const known = image.predicted !== undefined && image.probability !== undefined;
  const caption = known ? `${image.predicted} ${image.probability!.toFixed(2)}` : 'not classified';
  const tooltip = image.probabilities ? probabilityLines(state.classes, image.probabilities) : caption;
  const button = el(
    'button',
    {
      class: 'ptile', type: 'button', title: `${image.name}\n${tooltip}`,
      'aria-label': `${image.name}: ${known ? `predicted ${image.predicted} with probability ${image.probability!.toFixed(2)}` : caption}. Open the file.`,
    },
    el('span', { class: 'ptile-image' }, stack(image, true)),
    el('span', { class: 'ptile-caption' }, el('span', { class: 'ptile-class' }, caption), el('span', { class: 'muted ptile-name' }, image.name)),
    ...(image.probabilities ? [el('span', { class: 'ptile-bars' }, probabilityBars(state.classes, image.probabilities, image.predicted, 5))] : []),
  );
  button.addEventListener('click', () => post({ type: 'openFile', path: image.file }));
  return button;
}

function skippedList(state: PreviewState): HTMLElement[] {
  if (!state.skipped.length) return [];
  return [
    el(
      'details',
      { class: 'skipped', open: '' },
      el('summary', {}, codicon('warning'), ` ${state.skipped.length} file${state.skipped.length === 1 ? '' : 's'} skipped`),
      el('ul', {}, ...state.skipped.map((s) => el('li', {}, el('span', { class: 'path' }, s.file), `: ${s.reason}`))),
    ),
  ];
}

export function gridView(state: PreviewState): HTMLElement {
  return el(
    'div',
    { class: 'grid-view' },
    el(
      'div',
      { class: 'pgrid', role: 'list', 'aria-label': 'Images with the predicted class; focus a tile for every class' },
      ...state.images.map((i) => el('div', { role: 'listitem' }, tile(state, i))),
    ),
    ...skippedList(state),
  );
}
