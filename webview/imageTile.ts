// One image in a grid (dataset samples, predictions, top losses): a button that opens the original file.
// The image is the small thumbnail the host made; without one the tile shows the file name instead.
import { baseName, codicon, el } from './dom';
import { probabilityLines } from './probabilityBars';
import { post } from './vscodeApi';

export interface TileSpec {
  file: string;
  thumbnail?: string;
  caption: string;
  /** Marks a validation prediction right or wrong (colour plus an icon, so colour is never the only cue). */
  verdict?: 'right' | 'wrong';
  /** A second caption line, such as the loss. */
  detail?: string;
  /** What a screen reader announces; the caption when not given. */
  label?: string;
  /** The Grad-CAM overlay, shown in place of the thumbnail while the page has the `show-heatmap` class. */
  heatmap?: string;
  /** Every class's probability, for the tooltip. */
  scores?: { classes: readonly string[]; probabilities: readonly number[] };
}

export function imageTile(spec: TileSpec): HTMLButtonElement {
  const name = baseName(spec.file);
  const picture = spec.thumbnail
    ? el('img', { class: 'tile-thumb', src: spec.thumbnail, alt: '', loading: 'lazy', decoding: 'async' })
    : el('span', { class: 'tile-missing' }, codicon('file-media'), el('span', {}, name));
  // Lazy and hidden until the toggle is on, so a grid whose heatmaps nobody looks at never loads them.
  const overlay = spec.heatmap
    ? [el('img', { class: 'tile-heatmap', src: spec.heatmap, alt: '', loading: 'lazy', decoding: 'async' })]
    : [];
  const scores = spec.scores ? `\n${probabilityLines(spec.scores.classes, spec.scores.probabilities)}` : '';
  const caption = el(
    'span',
    { class: 'tile-caption' },
    ...(spec.verdict ? [codicon(spec.verdict === 'right' ? 'pass' : 'error')] : []),
    el('span', { class: 'tile-text' }, spec.caption),
  );
  const tile = el(
    'button',
    {
      class: `tile${spec.verdict ? ` ${spec.verdict}` : ''}${spec.heatmap ? ' has-heatmap' : ''}`,
      type: 'button',
      title: `${spec.caption} — ${name}${scores}`,
      'aria-label': `${spec.label ?? spec.caption}, ${name}${scores.replace(/\n/g, ', ')}. Open the file.`,
    },
    el('span', { class: 'tile-image' }, picture, ...overlay),
    caption,
    ...(spec.detail ? [el('span', { class: 'tile-detail' }, spec.detail)] : []),
  );
  tile.addEventListener('click', () => post({ type: 'openFile', path: spec.file }));
  return tile;
}

export function imageGrid(label: string, tiles: HTMLElement[]): HTMLElement {
  return el(
    'div',
    { class: 'grid', role: 'list', 'aria-label': label },
    ...tiles.map((t) => el('div', { role: 'listitem' }, t)),
  );
}

/** A tile's Grad-CAM overlay and its tooltip's per-class probabilities, where the trainer sent them. */
export function heatmapAndScores(
  e: { classes: string[] }, i: { heatmap?: string; probabilities?: number[] },
): { heatmap?: string; scores?: { classes: string[]; probabilities: number[] } } {
  return {
    ...(i.heatmap !== undefined ? { heatmap: i.heatmap } : {}),
    ...(i.probabilities ? { scores: { classes: e.classes, probabilities: i.probabilities } } : {}),
  };
}
