// The prediction preview's own protocol (the "Transfer Lab Prediction" editor and the Classify grid): what the
// extension shows the webview, and what the webview may ask for. One file per webview boundary, as the dashboard's
// is protocol.ts; every message from the webview is checked where it arrives.
import type { RunChoice } from './runChoice';
import { literal, object, str, type Check } from './validate';

/** One image as the preview shows it; the URIs are webview URIs the host made, never file paths. */
export interface PreviewImage {
  /** The original, absolute: what "open" opens, and the key the host matches results by. */
  file: string;
  name: string;
  /** The original image itself (a version query makes a changed file load again). */
  src: string;
  /** The Grad-CAM overlay the trainer wrote, once classified. */
  overlay?: string;
  /** Every class's probability, in the order of the state's `classes`. */
  probabilities?: number[];
  predicted?: string;
  probability?: number;
  /** Where the heatmap is hottest, 0..1 of the width and height. */
  peak?: { x: number; y: number };
}

/** What the view says about its work: classifying (with progress), finished, failed (with a retry), or nothing to run. */
export type PreviewStatus =
  | { kind: 'running'; message: string; done?: number; total?: number }
  | { kind: 'done'; seconds: number; layer: string }
  | { kind: 'error'; message: string; hint?: string; file?: string }
  | { kind: 'no-runs'; message: string };

export interface PreviewState {
  /** One image with its bars and overlay side by side, or a grid of tiles. */
  mode: 'single' | 'grid';
  title: string;
  runs: RunChoice[];
  /** The run that classifies; undefined only when there is none to choose. */
  runDir?: string;
  classes: string[];
  images: PreviewImage[];
  /** Files the trainer could not read, with the reason (named so the person can fix them). */
  skipped: { file: string; reason: string }[];
  status: PreviewStatus;
}

export type HostToPreview = { type: 'state'; state: PreviewState };

export type PreviewToHost =
  | { type: 'ready' }
  | { type: 'chooseRun'; runDir: string }
  | { type: 'retry' }
  | { type: 'openFile'; path: string };

const checks: Record<PreviewToHost['type'], Check<unknown>> = {
  ready: object({ type: literal('ready') }),
  chooseRun: object({ type: literal('chooseRun'), runDir: str }),
  retry: object({ type: literal('retry') }),
  openFile: object({ type: literal('openFile'), path: str }),
};

/** A message from the preview webview, or the reason it is not one (the host logs it and carries on). */
export function parsePreviewMessage(input: unknown): { ok: true; value: PreviewToHost } | { ok: false; error: string } {
  const type = typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
  const check = typeof type === 'string' && Object.hasOwn(checks, type) ? checks[type as PreviewToHost['type']] : undefined;
  if (!check) return { ok: false, error: `preview: unknown message type ${JSON.stringify(type)}` };
  try {
    return { ok: true, value: check(input, 'preview') as PreviewToHost };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
