// Every image reference an event carries, rewritten in one place: the extension turns the trainer's thumbnail
// paths into webview URIs, and a thumbnail outside what the webview may load is dropped (the grid shows the name).
import type { TrainerEvent } from './protocol';

type Rewrite = (thumbnail: string) => string | undefined;

function rewrite<T extends { thumbnail?: string }>(item: T, f: Rewrite): T {
  if (item.thumbnail === undefined) return item;
  const { thumbnail, ...rest } = item;
  const mapped = f(thumbnail);
  return (mapped === undefined ? rest : { ...rest, thumbnail: mapped }) as T;
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
