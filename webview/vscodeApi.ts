// The webview's bridge to the extension: typed posts, and the persisted UI state (selected tab).
import type { HostToWebview, WebviewToHost } from '../src/core/protocol';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What survives the webview being torn down or the window reloading; `runDir` is the run on screen. */
export interface UiState {
  tab: number; wrongOnly?: boolean; runDir?: string;
  /** The grids show each image's Grad-CAM overlay in place of its thumbnail, where the trainer made one. */
  heatmap?: boolean;
  /** The cleaner's last state from the host (pending marks), shown at once while the host is asked again. */
  cleaner?: unknown;
}

const api = acquireVsCodeApi();

export function post(message: WebviewToHost): void {
  api.postMessage(message);
}

export function loadState(): UiState {
  const s = api.getState() as Partial<UiState> | undefined;
  return {
    tab: typeof s?.tab === 'number' ? s.tab : 0,
    wrongOnly: s?.wrongOnly === true,
    heatmap: s?.heatmap === true,
    ...(typeof s?.runDir === 'string' ? { runDir: s.runDir } : {}),
    ...(s?.cleaner !== undefined ? { cleaner: s.cleaner } : {}),
  };
}

export function saveState(patch: Partial<UiState>): void {
  api.setState({ ...loadState(), ...patch });
}

export function onHostMessage(handler: (message: HostToWebview) => void): void {
  window.addEventListener('message', (e: MessageEvent) => handler(e.data as HostToWebview));
}
