// The `relabel` job's contract: the data cleaner's changes to a prepared dataset (exclude an image, move it to
// another class, undo), recorded as overrides in its dataset.json; the originals and the placed files never change.
// The CLI sends one action for many files (`--exclude`, `--to CLASS`, `--undo`); the dashboard's cleaner sends its
// pending list as `changes`, applied in order in one write. No files and no changes reads the overrides back.
import type { Override, SplitCounts } from '../datasetManifest';
import { OVERRIDE_ACTIONS } from '../datasetManifest';
import { CLEANER_ACTIONS, type CleanerAction, type CleanerChange, type RefusedChange, type Relabelled } from '../datasetOverrides';
import {
  arrayOf, bool, literal, num, object, objectOf, optional, recordOf, str, ValidationError, type Checked,
} from '../validate';
import type { JobContract } from './contract';

const change = object({ file: str, action: literal(...CLEANER_ACTIONS), to: optional(str) });

const input = object({
  /** The prepared folder (holding dataset.json). */
  dataset: str,
  /** Files as dataset.json names them (train/cat/cat.1.jpg), or their absolute paths in the prepared folder. */
  files: optional(arrayOf(str)),
  /** With `files`: exactly one of these says what happens to them. */
  to: optional(str),
  exclude: optional(bool),
  undo: optional(bool),
  /** The cleaner's pending list, applied in order after `files`. */
  changes: optional(arrayOf(change)),
});
export type RelabelConfigInput = Checked<typeof input>;

export interface RelabelConfig {
  dataset: string;
  /** Everything asked, in order: `files` with their one action first, then `changes`. */
  changes: CleanerChange[];
}

export function parseRelabelConfig(raw: unknown): RelabelConfig {
  const c = input(raw, 'config');
  const files = c.files ?? [];
  const actions = [c.to !== undefined, c.exclude === true, c.undo === true].filter(Boolean).length;
  if (files.length && actions !== 1) {
    throw new ValidationError('config', 'exactly one of to, exclude and undo for the files',
      { to: c.to, exclude: c.exclude, undo: c.undo });
  }
  if (!files.length && actions) throw new ValidationError('config.files', 'the files to change', c.files);
  const action: CleanerAction = c.to !== undefined ? 'relabel' : c.exclude ? 'exclude' : 'undo';
  const changes: CleanerChange[] = [
    ...files.map((file): CleanerChange => (action === 'relabel' ? { file, action, to: c.to } : { file, action })),
    ...(c.changes ?? []).map((x, i): CleanerChange => {
      if (x.action === 'relabel' && x.to === undefined)
        throw new ValidationError(`config.changes[${i}].to`, 'the class to move the file to', x.to);
      return x.action === 'relabel' ? { file: x.file, action: x.action, to: x.to } : { file: x.file, action: x.action };
    }),
  ];
  return { dataset: c.dataset, changes };
}

export interface RelabelResult {
  /** The prepared folder, absolute. */
  dataset: string;
  /** Overrides this job added. */
  applied: Override[];
  /** Overrides its undos removed. */
  undone: Override[];
  /** Changes that could not apply, each naming its file; the others were applied. */
  refused: RefusedChange[];
  /** dataset.json's whole overrides list now, oldest first (what the cleaner's pending list starts from). */
  overrides: Override[];
  /** In effect now: what the next training run leaves out and relabels. */
  excluded: string[];
  relabelled: Relabelled[];
  /** counts[split][class] after the overrides: what the next train summary counts. */
  counts: SplitCounts;
  /** False when nothing was written (nothing applied, or only a read). */
  changed: boolean;
  /** An earlier cleaner write was killed half-way and this job finished it first. */
  recovered: boolean;
}

const override = objectOf<Override>({ file: str, action: literal(...OVERRIDE_ACTIONS), to: optional(str), at: str });
const refusedChange = objectOf<RefusedChange>({ file: str, reason: str });

export const relabel: JobContract<RelabelConfigInput, RelabelConfig, RelabelResult> = {
  input,
  config: parseRelabelConfig,
  result: objectOf<RelabelResult>({
    dataset: str, applied: arrayOf(override), undone: arrayOf(override), refused: arrayOf(refusedChange),
    overrides: arrayOf(override), excluded: arrayOf(str),
    relabelled: arrayOf(objectOf<Relabelled>({ file: str, from: str, to: str })),
    counts: recordOf(recordOf(num)), changed: bool, recovered: bool,
  }),
};
