// The `prepare` job's contract: the folder to prepare and the split settings, as the CLI and the extension send
// them; and what it reports, a prepared dataset or an undone one.
import {
  LAYOUT_KINDS, type LayoutKind,
} from '../layoutDetection';
import {
  PLACEMENTS, type ExcludedFile, type ManifestSettings, type Placement, type SplitCounts,
} from '../datasetManifest';
import { datasetFinding, datasetSample } from '../messageParts';
import type { NearDuplicatePair } from '../nearDuplicates';
import type { DatasetFinding, DatasetSample } from '../protocol';
import type { ConflictGroup, DuplicateGroup } from '../splitPlan';
import {
  arrayOf, bool, isTrue, literal, nullable, num, numberIn, object, objectOf, optional, recordOf, str, ValidationError,
  wholeIn, type Check, type Checked,
} from '../validate';
import type { JobContract } from './contract';
import { fields } from './fields';

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
  thumbnailDir?: string;
}

export const PREPARE_DEFAULTS = { val: 0.2, trainDev: 0, seed: 42, placement: 'link' as Placement, samples: 8 };

const fraction = numberIn(0, 1, { belowMax: true, noun: 'a fraction' });
const absolute: Check<string> = (v, p) => {
  const s = str(v, p);
  if (!(s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s) || s.startsWith('\\\\'))) {
    throw new ValidationError(p, 'an absolute path', v);
  }
  return s;
};

const input = object({
  source: absolute,
  out: optional(absolute),
  val: optional(fraction),
  trainDev: optional(fraction),
  seed: fields.seed,
  maxPerClass: fields.maxPerClass,
  maxValPerClass: optional(wholeIn(1)),
  maxTest: optional(wholeIn(1)),
  placement: optional(literal(...PLACEMENTS)),
  dryRun: optional(bool),
  undo: optional(bool),
  root: optional(str),
  layout: optional(literal(...LAYOUT_KINDS)),
  samples: optional(wholeIn(0, 100)),
  thumbnailDir: fields.thumbnailDir,
});
export type PrepareConfigInput = Checked<typeof input>;

export function parsePrepareConfig(raw: unknown): PrepareConfig {
  const c = input(raw, 'config');
  const value: PrepareConfig = {
    ...c,
    val: c.val ?? PREPARE_DEFAULTS.val, trainDev: c.trainDev ?? PREPARE_DEFAULTS.trainDev,
    seed: c.seed ?? PREPARE_DEFAULTS.seed, placement: c.placement ?? PREPARE_DEFAULTS.placement,
    samples: c.samples ?? PREPARE_DEFAULTS.samples, dryRun: c.dryRun ?? false, undo: c.undo ?? false,
  };
  if (value.val + value.trainDev >= 1) {
    throw new ValidationError('config.val + config.trainDev', 'less than 1, so some images are left to train on',
      value.val + value.trainDev);
  }
  return value;
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

export interface PrepareResult {
  layout: LayoutKind;
  layoutReason: string;
  /** The dataset's root relative to source ('' = source itself). */
  root: string;
  source: string;
  output: string;
  classes: string[];
  counts: SplitCounts;
  excluded: ExcludedFile[];
  duplicates: DuplicateGroup[];
  conflicts: ConflictGroup[];
  nearDuplicates: (NearDuplicatePair & { splits: string[] })[];
  findings: DatasetFinding[];
  samples: DatasetSample[];
  placement: Placement;
  /** How files were actually placed in this run (hard links fall back to copies across disks). */
  placed: Record<Placement, number>;
  removed: number;
  /** False when the output already matched: nothing was written. */
  changed: boolean;
  dryRun: boolean;
  images: number;
  seconds: { scan: number; place: number };
}

export interface UndoResult {
  undo: true;
  output: string;
  removedFiles: number;
  removedDirs: number;
  /** Folders this tool made that still hold someone else's files, so they were left. */
  keptDirs: string[];
}

const prepareResult = objectOf<PrepareResult>({
  layout: literal(...LAYOUT_KINDS), layoutReason: str, root: str, source: str, output: str, classes: arrayOf(str),
  counts: recordOf(recordOf(num)),
  excluded: arrayOf(objectOf<ExcludedFile>({ file: str, reason: str, code: str })),
  duplicates: arrayOf(objectOf<DuplicateGroup>({ sha256: str, kept: str, dropped: arrayOf(str) })),
  conflicts: arrayOf(objectOf<ConflictGroup>({
    sha256: str, files: arrayOf(objectOf<ConflictGroup['files'][number]>({ file: str, class: nullable(str) })),
  })),
  nearDuplicates: arrayOf(objectOf<PrepareResult['nearDuplicates'][number]>({
    a: str, b: str, distance: num, splits: arrayOf(str),
  })),
  findings: arrayOf(datasetFinding), samples: arrayOf(datasetSample), placement: literal(...PLACEMENTS),
  placed: objectOf<Record<Placement, number>>({ link: num, copy: num, symlink: num }),
  removed: num, changed: bool, dryRun: bool, images: num,
  seconds: objectOf<PrepareResult['seconds']>({ scan: num, place: num }),
});
const undoResult = objectOf<UndoResult>({
  undo: isTrue, output: str, removedFiles: num, removedDirs: num, keptDirs: arrayOf(str),
});

export const prepare: JobContract<PrepareConfigInput, PrepareConfig, PrepareResult | UndoResult> = {
  input,
  config: parsePrepareConfig,
  result: (v, p) => (typeof v === 'object' && v !== null && 'undo' in v ? undoResult(v, p) : prepareResult(v, p)),
};
