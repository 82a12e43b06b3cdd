// The dashboard's copy of the cleaner's state. The host owns the pending list (it survives a closed dashboard); this
// copy is what the tiles and the bar draw, kept in the webview's state too so a reloaded page shows its marks at once.
import type { CleanerIntent, CleanerState, PendingChange } from '../../src/core/cleanerProtocol';
import { loadState, post, saveState } from '../vscodeApi';

type Listener = (state: CleanerState) => void;

const listeners = new Set<Listener>();
let current: CleanerState = restored();

/** The last state the host sent, if the page kept one that reads as a state. */
function restored(): CleanerState {
  const s = loadState().cleaner as Partial<CleanerState> | undefined;
  const ok = typeof s === 'object' && s !== null && Array.isArray(s.pending);
  // A page torn down mid-Apply must not come back showing it busy forever: the host says where it stands.
  return ok ? { ...(s as CleanerState), busy: undefined } : { pending: [], canRetrain: false };
}

export function cleanerState(): CleanerState {
  return current;
}

export function setCleanerState(state: CleanerState): void {
  current = state;
  saveState({ cleaner: state });
  for (const l of listeners) l(state);
}

export function onCleanerState(listener: Listener): void {
  listeners.add(listener);
}

export function sendIntent(intent: CleanerIntent): void {
  post({ type: 'cleaner', intent });
}

export function pendingFor(file: string): PendingChange | undefined {
  return current.pending.find((c) => c.file === file);
}
