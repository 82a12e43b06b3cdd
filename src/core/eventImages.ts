// Every image reference an event carries, rewritten in one place: the extension turns the trainer's thumbnail
// paths into webview URIs, and a thumbnail outside what the webview may load is dropped (the grid shows the name).
import type { TrainerEvent } from './protocol';

type Rewrite = (thumbnail: string) => string | undefined;

function rewrite<T extends { thumbnail?: string; heatmap?: string }>(item: T, f: Rewrite): T {
  return rewriteKey(rewriteKey(item, 'thumbnail', f), 'heatmap', f);
}

/** The same rewrite for each image an item carries: its thumbnail and its Grad-CAM overlay. */
function rewriteKey<T extends { thumbnail?: string; heatmap?: string }>(
  item: T, key: 'thumbnail' | 'heatmap', f: Rewrite,
): T {
  const image = item[key];
  if (image === undefined) return item;
  const rest = { ...item };
  delete rest[key];
  const mapped = f(image);
  return mapped === undefined ? rest : { ...rest, [key]: mapped };
}

export function mapThumbnails(event: TrainerEvent, f: Rewrite): TrainerEvent {
  switch (event.type) {
    case 'dataset':
      return { ...event, samples: event.samples.map((s) => rewrite(s, f)) };
    case 'predictions':
      return { ...event, items: event.items.map((i) => rewrite(i, f)) };
    case 'evaluation':
      return { ...event, topLosses: event.topLosses.map((i) => rewrite(i, f)) };
    default:
      return event;
  }
}
