// The prediction preview's bridge to the extension: typed posts, and the toggles that survive the webview being
// hidden (it is torn down) or the window reloading.
import type { HostToPreview, PreviewToHost } from '../../src/core/previewProtocol';

interface VsCodeApi {
  postMessage(message: PreviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** Whether the Grad-CAM overlay is on, and how strongly it covers the image (0..1). */
export interface PreviewUiState { heatmap: boolean; opacity: number }

const api = acquireVsCodeApi();

export function post(message: PreviewToHost): void {
  api.postMessage(message);
}

export function loadState(): PreviewUiState {
  const s = api.getState() as Partial<PreviewUiState> | undefined;
  const opacity = typeof s?.opacity === 'number' && s.opacity >= 0 && s.opacity <= 1 ? s.opacity : 0.6;
  return { heatmap: s?.heatmap !== false, opacity };
}

export function saveState(patch: Partial<PreviewUiState>): void {
  api.setState({ ...loadState(), ...patch });
}

export function onHostMessage(handler: (message: HostToPreview) => void): void {
  window.addEventListener('message', (e: MessageEvent) => handler(e.data as HostToPreview));
}
