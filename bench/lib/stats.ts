// Small numeric helpers every bench shares.
import * as os from 'node:os';

export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** ours / reference, or null when either side is missing. */
export const ratio = (ours: number | undefined, reference: number | undefined) =>
  ours && reference ? round(ours / reference, 2) : null;

export async function seconds(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** How busy the shared machine was while a bench ran: the figures are ratios for this reason. */
export const loadAverage = () => os.loadavg().map((l) => round(l, 2));
