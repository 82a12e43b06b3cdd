// One image in a grid (dataset samples, predictions, top losses): a button that opens the original file.
// The image is the small thumbnail the host made; without one the tile shows the file name instead.
import { baseName, codicon, el } from './dom';
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
}

export function imageTile(spec: TileSpec): HTMLButtonElement {
  const name = baseName(spec.file);
  const picture = spec.thumbnail
    ? el('img', { src: spec.thumbnail, alt: '', loading: 'lazy', decoding: 'async' })
    : el('span', { class: 'tile-missing' }, codicon('file-media'), el('span', {}, name));
  const caption = el(
    'span',
    { class: 'tile-caption' },
    ...(spec.verdict ? [codicon(spec.verdict === 'right' ? 'pass' : 'error')] : []),
    el('span', { class: 'tile-text' }, spec.caption),
  );
  const tile = el(
    'button',
    {
      class: `tile${spec.verdict ? ` ${spec.verdict}` : ''}`,
      type: 'button',
      title: `${spec.caption} — ${name}`,
      'aria-label': `${spec.label ?? spec.caption}, ${name}. Open the file.`,
    },
    el('span', { class: 'tile-image' }, picture),
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
