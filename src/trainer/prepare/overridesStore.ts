// Writing the cleaner's overrides into a prepared folder's dataset.json, as safely as prepare writes it: under the
// folder's lock, the new list journaled first (OVERRIDES_JOURNAL_FILE), then dataset.json replaced by rename, then
// the journal removed. A process killed at any point leaves the old dataset.json or the new one, never a torn one, and
// the next cleaner action finishes a journaled write before its own. Only dataset.json and the journal are written:
// no image, placed or original, is opened for writing.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  MANIFEST_FILE, manifestJson, parseManifestText, type DatasetManifest, type Override,
} from '../../core/datasetManifest';
import {
  OVERRIDES_JOURNAL_FILE, overridesJournalText, parseOverridesJournal,
} from '../../core/datasetOverrides';
import { PARTIAL_SUFFIX } from '../../core/prepareJournal';
import { writeFileAtomic } from '../runtime/atomicFile';
import { fsError } from '../runtime/fsErrors';
import { BadInputError } from '../runtime/jobContext';
import { assertManifestReadable } from './placeFiles';

const PREPARE_FIRST = 'Run "Transfer Lab: Prepare Dataset" (transfer-lab prepare) on your image folder first.';

/** dataset.json of a prepared folder, checked; a sentence naming the file when it is missing or not valid. */
export async function readPreparedManifest(dir: string): Promise<DatasetManifest> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new BadInputError(`${dir} is not a prepared dataset: it has no ${MANIFEST_FILE}.`, file, PREPARE_FIRST);
    throw await fsError(e, { file, doing: 'reading' });
  }
  const parsed = parseManifestText(text);
  if (!parsed.ok) throw new BadInputError(`${file} is not valid: ${parsed.error}`, file, 'Prepare the dataset again.');
  return parsed.value;
}

/**
 * Finishes a cleaner write that a killed process left journaled: its list replaces dataset.json's when it still
 * applies (a prepare in between may have dropped its files), and the journal and temp names go. Returns the manifest
 * as it now stands, and whether a write was finished. Call it holding the folder's lock.
 */
export async function recoverOverrides(
  dir: string, manifest: DatasetManifest, warn: (message: string) => void,
): Promise<{ manifest: DatasetManifest; recovered: boolean }> {
  const journal = path.join(dir, OVERRIDES_JOURNAL_FILE);
  const manifestFile = path.join(dir, MANIFEST_FILE);
  let text: string | undefined;
  try {
    text = await fs.readFile(journal, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw await fsError(e, { file: journal, doing: 'reading' });
  }
  let result = { manifest, recovered: false };
  if (text !== undefined) {
    const overrides = parseOverridesJournal(text);
    const candidate = overrides ? withOverrides(manifest, overrides) : undefined;
    const parsed = candidate ? parseManifestText(manifestJson(candidate)) : undefined;
    if (candidate && parsed?.ok) {
      await writeManifest(dir, candidate);
      result = { manifest: candidate, recovered: true };
    } else {
      warn(`dropped an interrupted cleaner change in ${dir}: ` +
        (parsed && !parsed.ok ? `it no longer applies (${parsed.error})` : 'its journal is not readable'));
    }
  }
  for (const stray of [journal, journal + PARTIAL_SUFFIX, manifestFile + PARTIAL_SUFFIX]) {
    await fs.rm(stray, { force: true }).catch(async (e) => {
      throw await fsError(e, { file: stray, folder: dir, internal: true, doing: 'removing' });
    });
  }
  return result;
}

/** The manifest with this overrides list (none: the field is left out, as prepare writes it). */
export function withOverrides(manifest: DatasetManifest, overrides: readonly Override[]): DatasetManifest {
  const rest = { ...manifest };
  delete rest.overrides;
  return overrides.length ? { ...rest, overrides: [...overrides] } : rest;
}

/** Journal, dataset.json, journal removed: see the file's head. Call it holding the folder's lock. */
export async function writeOverrides(
  dir: string, manifest: DatasetManifest, overrides: readonly Override[],
): Promise<DatasetManifest> {
  const next = withOverrides(manifest, overrides);
  assertManifestReadable(next);
  const journal = path.join(dir, OVERRIDES_JOURNAL_FILE);
  await writeFileAtomic(journal, overridesJournalText(overrides), journal + PARTIAL_SUFFIX,
    { folder: dir, internal: true });
  await writeManifest(dir, next);
  await fs.rm(journal, { force: true }).catch(async (e) => {
    throw await fsError(e, { file: journal, folder: dir, internal: true, doing: 'removing' });
  });
  return next;
}

async function writeManifest(dir: string, manifest: DatasetManifest): Promise<void> {
  const file = path.join(dir, MANIFEST_FILE);
  await writeFileAtomic(file, manifestJson(manifest), file + PARTIAL_SUFFIX, { folder: dir });
}
