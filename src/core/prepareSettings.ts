// The prepare job's config, as the CLI and the extension send it, checked once at the trainer's door.
import { LAYOUT_KINDS, type LayoutKind } from './layoutDetection';
import { PLACEMENTS, type ManifestSettings, type Placement } from './datasetManifest';
import { bool, literal, num, object, optional, str, ValidationError, type Check } from './validate';

export interface PrepareConfig extends ManifestSettings {
  /** The folder the user picked (absolute). */
  source: string;
  /** Where the prepared tree goes; defaults to a new folder beside the source, "<source>-prepared". */
  out?: string;
  dryRun: boolean;
  undo: boolean;
  /** A candidate the user picked when the layout was ambiguous: its root relative to source, and its kind. */
  root?: string;
  layout?: LayoutKind;
  /** Images per class in the sample grid. */
  samples: number;
}

export const PREPARE_DEFAULTS = { val: 0.2, trainDev: 0, seed: 42, placement: 'link' as Placement, samples: 8 };

const fraction: Check<number> = (v, p) => {
  const n = num(v, p);
  if (n < 0 || n >= 1) throw new ValidationError(p, 'a fraction from 0 up to (not including) 1', v);
  return n;
};
const positiveInt: Check<number> = (v, p) => {
  const n = num(v, p);
  if (!Number.isInteger(n) || n < 1) throw new ValidationError(p, 'a whole number ≥ 1', v);
  return n;
};
const seed: Check<number> = (v, p) => {
  const n = num(v, p);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new ValidationError(p, 'a whole number from 0 to 4294967295', v);
  return n;
};
const absolute: Check<string> = (v, p) => {
  const s = str(v, p);
  if (!(s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s) || s.startsWith('\\\\'))) throw new ValidationError(p, 'an absolute path', v);
  return s;
};

const shape = object({
  source: absolute,
  out: optional(absolute),
  val: optional(fraction),
  trainDev: optional(fraction),
  seed: optional(seed),
  maxPerClass: optional(positiveInt),
  maxValPerClass: optional(positiveInt),
  maxTest: optional(positiveInt),
  placement: optional(literal(...PLACEMENTS)),
  dryRun: optional(bool),
  undo: optional(bool),
  root: optional(str),
  layout: optional(literal(...LAYOUT_KINDS)),
  samples: optional((v, p) => {
    const n = num(v, p);
    if (!Number.isInteger(n) || n < 0 || n > 100) throw new ValidationError(p, 'a whole number from 0 to 100', v);
    return n;
  }),
});

export function parsePrepareConfig(config: Record<string, unknown>): { ok: true; value: PrepareConfig } | { ok: false; error: string } {
  try {
    const c = shape(config, 'config');
    const value: PrepareConfig = {
      ...PREPARE_DEFAULTS, dryRun: false, undo: false,
      ...Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)),
    } as PrepareConfig;
    if (value.val + value.trainDev >= 1) throw new ValidationError('config.val + config.trainDev', 'less than 1, so some images are left to train on', value.val + value.trainDev);
    return { ok: true, value };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

export function manifestSettingsOf(c: PrepareConfig): ManifestSettings {
  const s: ManifestSettings = { val: c.val, trainDev: c.trainDev, seed: c.seed, placement: c.placement };
  if (c.maxPerClass !== undefined) s.maxPerClass = c.maxPerClass;
  if (c.maxValPerClass !== undefined) s.maxValPerClass = c.maxValPerClass;
  if (c.maxTest !== undefined) s.maxTest = c.maxTest;
  return s;
}

/** "<source>-prepared", beside the source: never inside it, so the next scan does not pick up its own output. */
export function defaultOutputFor(source: string): string {
  const trimmed = source.replace(/[\\/]+$/, '');
  return `${trimmed}-prepared`;
}
