// The Compare Runs webview's bridge to the extension: typed posts, and what survives a reload (the run folders, and
// whether only the differing rows show).
import type { CompareToHost, HostToCompare } from '../../src/core/compareProtocol';

interface VsCodeApi {
  postMessage(message: CompareToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface CompareState { runDirs?: string[]; differencesOnly: boolean }

const api = acquireVsCodeApi();

export function post(message: CompareToHost): void {
  api.postMessage(message);
}

export function loadState(): CompareState {
  const s = api.getState() as Partial<CompareState> | undefined;
  return { differencesOnly: s?.differencesOnly === true, ...(Array.isArray(s?.runDirs) ? { runDirs: s.runDirs } : {}) };
}

export function saveState(patch: Partial<CompareState>): void {
  api.setState({ ...loadState(), ...patch });
}

export function onHostMessage(handler: (message: HostToCompare) => void): void {
  window.addEventListener('message', (e: MessageEvent) => handler(e.data as HostToCompare));
}
