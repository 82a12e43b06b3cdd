// The cleaner's pending list: the marks a person makes on image tiles before Apply. One change per image (a new mark
// replaces the old one), undo per image or the latest, and a form that survives being stored (the extension keeps
// it in workspaceState per prepared dataset, so closing the dashboard or the window loses no mark: fastai users'
// most common complaint is losing them).
import type { CleanerChange, RefusedChange } from './datasetOverrides';
import { pendingChange, type PendingChange } from './cleanerProtocol';

/** The list after marking `change`: it replaces the image's earlier mark and goes to the end (the latest). */
export function markPending(list: readonly PendingChange[], change: PendingChange): PendingChange[] {
  const rest = list.filter((c) => c.file !== change.file);
  // Moving an image back to the class it showed is no change at all.
  if (change.action === 'relabel' && change.from !== undefined && change.to === change.from) return rest;
  return [...rest, change];
}

/** The list without `file`'s change, or without the latest change when no file is named ("Undo last"). */
export function undoPending(list: readonly PendingChange[], file?: string): PendingChange[] {
  if (file === undefined) return list.slice(0, -1);
  return list.filter((c) => c.file !== file);
}

export function pendingOf(list: readonly PendingChange[], file: string): PendingChange | undefined {
  return list.find((c) => c.file === file);
}

/** What the `relabel` job is sent: the changes in the order they were made (the job applies them in order). */
export function relabelChanges(list: readonly PendingChange[]): CleanerChange[] {
  return list.map((c) => (c.action === 'relabel' ? { file: c.file, action: c.action, to: c.to } : { file: c.file, action: c.action }));
}

/**
 * What stays pending after Apply: only the changes the job refused. The job names a refused file as dataset.json does
 * (val/cat/cat.3.jpg, relative to the prepared folder) when it could place it, else as it was sent.
 */
export function remainingAfterApply(
  list: readonly PendingChange[], refused: readonly RefusedChange[], dataset: string,
): PendingChange[] {
  const root = slashed(dataset).replace(/\/+$/, '');
  const refusedFiles = new Set(refused.map((r) => slashed(r.file)));
  return list.filter((c) => {
    const file = slashed(c.file);
    return refusedFiles.has(file) || (file.startsWith(`${root}/`) && refusedFiles.has(file.slice(root.length + 1)));
  });
}

const slashed = (p: string) => p.replace(/\\/g, '/');

/** "1 to exclude, 2 to move" for the bar and the notification. */
export function pendingSummary(list: readonly PendingChange[]): string {
  const excluded = list.filter((c) => c.action === 'exclude').length;
  const moved = list.length - excluded;
  return [...(excluded ? [`${excluded} to exclude`] : []), ...(moved ? [`${moved} to move`] : [])].join(', ') ||
    'no pending changes';
}

/** What the extension stores per prepared dataset: its pending list and the run whose settings a retrain takes. */
export interface PendingEntry { pending: PendingChange[]; runDir?: string }
export type PendingStore = Record<string, PendingEntry>;

/**
 * A stored value read back. Whatever is not a pending list (an older form, a hand edit) is dropped change by change,
 * never thrown: a damaged entry must not stop the dashboard from opening.
 */
export function parsePendingStore(value: unknown): PendingStore {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const store: PendingStore = {};
  for (const [dataset, raw] of Object.entries(value as Record<string, unknown>)) {
    if (typeof raw !== 'object' || raw === null) continue;
    const { pending, runDir } = raw as { pending?: unknown; runDir?: unknown };
    const changes = Array.isArray(pending) ? pending.flatMap((c, i) => {
      try {
        return [pendingChange(c, `${dataset}[${i}]`)];
      } catch {
        return [];
      }
    }) : [];
    store[dataset] = { pending: changes, ...(typeof runDir === 'string' ? { runDir } : {}) };
  }
  return store;
}

/** The store as it is saved: datasets with nothing pending and no run are left out, so it does not grow forever. */
export function serialisePendingStore(store: PendingStore): PendingStore {
  return Object.fromEntries(Object.entries(store).filter(([, e]) => e.pending.length || e.runDir));
}
