// The Compare Runs panel's own protocol: what the extension shows the webview, and what the webview may ask for.
// One file per webview boundary, as the dashboard's is protocol.ts; every message from the webview is checked where
// it arrives.
import type { RunComparison } from './runComparison';
import { literal, object, str, type Check } from './validate';

export type { ComparedValue, ComparisonRow, RunComparison, RunCurve } from './runComparison';

export type HostToCompare = {
  type: 'comparison';
  comparison: RunComparison;
  /** Files that could not be read (a damaged run.json or evaluation.json), each a sentence naming the file. */
  problems: string[];
};

export type CompareToHost =
  | { type: 'ready' }
  /** The person chose a run's name in the table: open it in the dashboard. */
  | { type: 'openRun'; runDir: string };

const checks: Record<CompareToHost['type'], Check<unknown>> = {
  ready: object({ type: literal('ready') }),
  openRun: object({ type: literal('openRun'), runDir: str }),
};

/** A message from the Compare Runs webview, or the reason it is not one (the host logs it and carries on). */
export function parseCompareMessage(input: unknown): { ok: true; value: CompareToHost } | { ok: false; error: string } {
  const type = typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
  const check = typeof type === 'string' && Object.hasOwn(checks, type) ? checks[type as CompareToHost['type']] : undefined;
  if (!check) return { ok: false, error: `compare: unknown message type ${JSON.stringify(type)}` };
  try {
    return { ok: true, value: check(input, 'compare') as CompareToHost };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
