// The prepare job: list the folder, detect the layout, scan every image, plan the split, report the dataset's health,
// then (unless it is a dry run) place the files and write dataset.json. The same code serves the CLI and the extension.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  countsOf, MANIFEST_FILE, manifestJson, type DatasetManifest, type ExcludedFile,
} from '../../core/datasetManifest';
import { detectLayoutIn, LIST_DEPTH } from '../../core/datasetCandidates';
import type { TreeFile, TreeIssue } from '../../core/dirTree';
import {
  classNotes, imageNotes, listFiles, problemFinding, type Finding, type ImageScan,
} from '../../core/healthChecks';
import { UNDECODABLE_NAME, UNDECODABLE_NAME_HINT } from '../../core/imageNames';
import type { DetectedLayout } from '../../core/layoutDetection';
import { findNearDuplicates } from '../../core/nearDuplicates';
import { SCAN_CACHE_FILE } from '../../core/prepareJournal';
import {
  defaultOutputFor, manifestSettingsOf, type PrepareConfig, type PrepareResult, type UndoResult,
} from '../../core/jobs/prepare';
import { pickSamples } from '../../core/preparePreview';
import { planSplit, type ScannedItem } from '../../core/splitPlan';
import { scanImages, validScanCacheEntry, type ScanCache } from '../prepare/imageScan';
import { log, throwIfCancelled, type JobContext } from '../runtime/jobContext';
import { applyManifest, assertManifestReadable, PrepareError, undoPrepare } from '../prepare/placeFiles';
import { thumbnailDirOf, thumbnailsOf } from '../images/thumbnails';
import { nodeDirReader } from '../prepare/nodeDirReader';

export async function prepareJob(c: PrepareConfig, ctx: JobContext): Promise<PrepareResult | UndoResult> {
  const source = path.resolve(c.source);
  const output = path.resolve(c.out ?? defaultOutputFor(source));
  await checkFolders(source, output);
  if (c.undo) return undoPrepare(output, source);

  const started = Date.now();
  const { detection, walk } = await detectLayoutIn(
    nodeDirReader(),
    source,
    c.root !== undefined || c.layout ? { root: c.root, kind: c.layout } : undefined,
  );
  throwIfCancelled(ctx);
  if (detection.status === 'none')
    throw new PrepareError('bad-layout', `${source}: ${detection.message}`, detection.hint);
  if (detection.status === 'ambiguous') {
    throw new PrepareError('bad-layout', `${source}: ${detection.message}`,
      'Say which one: --root <folder> (and --layout <kind>) on the command line; VS Code asks with a list.');
  }
  const layout = detection.layout;
  log(ctx, `layout: ${layout.kind}${layout.root ? ` in ${layout.root}/` : ''}: ${layout.reason}`);

  const cache = await readScanCache(output);
  const fresh: ScanCache = new Map();
  const scans = await scanLayout(layout, ctx, cache, fresh);
  throwIfCancelled(ctx);
  const scanSeconds = (Date.now() - started) / 1000;

  const { draft, result } = assemble(c, source, output, layout, scans, walk.issues);
  // Before anything is placed: a manifest that would not read back must stop the run here, not after the copies.
  assertManifestReadable(draft);
  const thumbs = await thumbnailsOf(result.samples.map((s) => path.resolve(source, s.file)), thumbnailDirOf(c));
  ctx.emit({
    type: 'dataset',
    layout: layout.kind,
    layoutReason: layout.reason,
    source,
    output,
    classes: draft.classes,
    counts: draft.counts,
    samples: result.samples.map((s, i) => (thumbs[i] ? { ...s, thumbnail: thumbs[i] } : s)),
    findings: draft.findings,
    dryRun: c.dryRun,
  });

  const placeStarted = Date.now();
  if (c.dryRun) {
    return { ...result, changed: !(await matchesExisting(draft)), seconds: { scan: scanSeconds, place: 0 } };
  }
  const progress = progressReporter(ctx, 'place');
  const outcome = await applyManifest(draft, {
    signal: ctx.signal,
    onProgress: progress,
    scanCache: scanCacheText(fresh),
  });
  log(ctx, outcome.changed ? `prepared ${output}` : `no change: ${output} already matches these settings`);
  for (const d of outcome.droppedOverrides) log(ctx, `cleaner change dropped: ${d.reason}`, 'warn');
  return {
    ...result, changed: outcome.changed, placed: outcome.placed, removed: outcome.removed,
    seconds: { scan: scanSeconds, place: (Date.now() - placeStarted) / 1000 },
  };
}

/** For a dry run: would a real run write anything? (Missing output files are not checked here.) */
async function matchesExisting(draft: DatasetManifest): Promise<boolean> {
  try {
    const existing = await fs.readFile(path.join(draft.output, MANIFEST_FILE), 'utf8');
    const { createdDirs = [], overrides } = JSON.parse(existing) as Pick<DatasetManifest, 'createdDirs' | 'overrides'>;
    return manifestJson({ ...draft, createdDirs, ...(overrides ? { overrides } : {}) }) === existing;
  } catch {
    return false;
  }
}

async function checkFolders(source: string, output: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await fs.stat(source)).isDirectory();
  } catch {
    throw new PrepareError(
      'bad-input',
      `The source folder ${source} does not exist.`,
      'Pass the folder that holds your images.',
    );
  }
  if (!isDir)
    throw new PrepareError(
      'bad-input',
      `${source} is a file; Prepare Dataset needs the folder that holds your images.`,
    );
  const within = (inner: string, outer: string) =>
    inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);
  if (within(output, source)) {
    throw new PrepareError(
      'bad-input',
      `The output folder ${output} is inside the source folder ${source}; the next scan would find its own output.`,
      `Put it beside the source, e.g. --out ${defaultOutputFor(source)}`,
    );
  }
  if (within(source, output))
    throw new PrepareError(
      'bad-input',
      `The source folder ${source} is inside the output folder ${output}.`,
      'Choose an output folder outside the source.',
    );
}

const KIND_PROBLEMS: Partial<Record<TreeFile['kind'], { detail: string; hint?: string }>> = {
  'dir': { detail: 'it is a folder, not a file' },
  'dangling': { detail: 'it is a broken symbolic link' },
  'other': { detail: 'it is not a regular file (a device, pipe or socket)' },
  'bad-name': { detail: UNDECODABLE_NAME, hint: UNDECODABLE_NAME_HINT },
};

async function scanLayout(
  layout: DetectedLayout,
  ctx: JobContext,
  cache: ScanCache,
  fresh: ScanCache,
): Promise<ImageScan[]> {
  const regular = layout.items.map((item, i) => ({ item, i })).filter(({ item }) => item.file.kind === 'file');
  const progress = progressReporter(ctx, 'scan');
  progress(0, regular.length);
  const scanned = await scanImages(
    regular.map(({ item }) => item.file.path),
    { signal: ctx.signal, onProgress: progress, cache, fresh },
  );
  const scans: ImageScan[] = layout.items.map((item) => ({
    bytes: 0,
    problem: { code: 'unreadable', ...(KIND_PROBLEMS[item.file.kind] ?? { detail: 'unknown' }) },
  }));
  regular.forEach(({ i }, k) => (scans[i] = scanned[k]));
  return scans;
}

const ISSUE_KINDS: Record<Exclude<TreeIssue['code'], 'too-deep'>, Pick<Finding, 'severity' | 'hint'>> = {
  'symlink-loop': { severity: 'warning', hint: 'Nothing to do unless that folder holds images you meant to include.' },
  'unreadable-folder': { severity: 'error', hint: 'Check the folder\'s permissions.' },
  'undecodable-name': { severity: 'error', hint: UNDECODABLE_NAME_HINT },
};

/**
 * The walk's issues as findings. Folders too deep to list are one finding (a deep tree has many), leaving out those
 * inside a class sub-folder that a layout note already says is not used.
 */
function issueFindings(issues: TreeIssue[], notes: readonly Finding[]): Finding[] {
  const out: Finding[] = [];
  for (const i of issues) {
    if (i.code !== 'too-deep') out.push({ code: i.code, ...ISSUE_KINDS[i.code], message: i.message, files: [i.rel] });
  }
  const unused = notes.filter((n) => n.code === 'nested-folder-ignored').flatMap((n) => n.files);
  const deep = issues.filter((i) => i.code === 'too-deep' && !unused.some((u) => i.rel.startsWith(`${u}/`)))
    .map((i) => i.rel);
  if (deep.length) {
    const one = deep.length === 1;
    out.push({
      code: 'too-deep', severity: 'warning', files: deep,
      message: `${one ? '1 folder is' : `${deep.length} folders are`} more than ${LIST_DEPTH} levels deep, so ` +
        `${one ? 'it was' : 'they were'} not looked into and any images there are not used: ${listFiles(deep)}.`,
      hint: 'Move the images you want up into their class folder, or prepare a folder closer to them.',
    });
  }
  return out;
}

type Assembled = { draft: DatasetManifest; result: Omit<PrepareResult, 'changed' | 'seconds'> };

function assemble(
  c: PrepareConfig,
  source: string,
  output: string,
  layout: DetectedLayout,
  scans: ImageScan[],
  issues: TreeIssue[],
): Assembled {
  const problems: Finding[] = [];
  const excluded: ExcludedFile[] = [];
  const usable: ScannedItem[] = [];
  const scanOf = new Map<string, ImageScan>();
  layout.items.forEach((item, i) => {
    const scan = scans[i];
    if (scan.problem || !scan.sha256 || !scan.width || !scan.height) {
      const finding = problemFinding(
        item.file.rel,
        scan.problem ?? { code: 'undecodable', detail: 'no size found' },
        scan.format,
      );
      problems.push(finding);
      excluded.push({ file: item.file.path, reason: finding.message, code: finding.code });
      return;
    }
    scanOf.set(item.file.rel, scan);
    usable.push({
      rel: item.file.rel,
      source: item.file.path,
      name: item.file.name,
      label: item.label,
      split: item.split,
      sha256: scan.sha256,
      bytes: scan.bytes,
      width: scan.width,
      height: scan.height,
    });
  });
  const plan = planSplit(usable, c);
  const near = findNearDuplicates(
    plan.files.map((f) => ({ id: f.rel, dhash: scanOf.get(f.rel)?.dhash ?? '', sha256: f.sha256 })),
  );
  const splitOf = new Map(plan.files.map((f) => [f.rel, f.split]));
  const nearDuplicates = near.pairs.map((p) => ({ ...p, splits: [splitOf.get(p.a)!, splitOf.get(p.b)!] }));
  const nearFindings: Finding[] = nearDuplicates.map((p) => ({
    code: 'near-duplicate',
    severity: 'warning',
    files: [p.a, p.b],
    message:
      `${p.a} and ${p.b} look nearly the same (difference hash ${p.distance}/64 bits apart)` +
      (p.splits[0] !== p.splits[1]
        ? `; they are in ${p.splits[0]} and ${p.splits[1]}, so validation partly repeats training.`
        : '.'),
    hint: 'If they are the same photo, delete one and prepare again.',
  }));
  if (near.truncated) {
    nearFindings.push({
      code: 'near-duplicate',
      severity: 'info',
      files: [],
      message: 'The near-duplicate search stopped early: too many images share one hash (blank or uniform images?).',
    });
  }
  const perClass: Record<string, number> = Object.fromEntries(layout.classes.map((cl) => [cl, 0]));
  for (const f of plan.files) if (f.class !== null && f.split !== 'test') perClass[f.class]++;
  const findings = [
    ...issueFindings(issues, layout.notes),
    ...layout.notes,
    ...problems,
    ...plan.findings,
    ...nearFindings,
    ...imageNotes(plan.files.map((f) => ({ rel: f.rel, scan: scanOf.get(f.rel)! }))),
    ...classNotes(perClass),
  ];
  const files = plan.files.map(({ rel: _rel, ...f }) => f);
  const allExcluded = [...excluded, ...plan.excluded.map(({ rel: _rel, ...e }) => e)].sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : 0,
  );
  const draft: DatasetManifest = {
    version: 1,
    layout: layout.kind,
    source,
    output,
    classes: layout.classes,
    settings: manifestSettingsOf(c),
    files,
    excluded: allExcluded,
    findings,
    counts: countsOf(files, layout.classes),
    createdDirs: [],
  };
  const result: Assembled['result'] = {
    layout: layout.kind,
    layoutReason: layout.reason,
    root: layout.root,
    source,
    output,
    classes: layout.classes,
    counts: draft.counts,
    excluded: allExcluded,
    duplicates: plan.duplicates,
    conflicts: plan.conflicts,
    nearDuplicates,
    findings,
    samples: pickSamples(files, layout.classes, c.samples, c.seed),
    placement: c.placement,
    placed: { link: 0, copy: 0, symlink: 0 },
    removed: 0,
    dryRun: c.dryRun,
    images: layout.items.length,
  };
  return { draft, result };
}

/** Progress events with an ETA, at most every 1% or quarter second, so IPC and the terminal are not flooded. */
function progressReporter(ctx: JobContext, phase: string): (done: number, total: number) => void {
  const started = Date.now();
  let lastAt = 0;
  let lastDone = -1;
  return (done, total) => {
    const now = Date.now();
    if (done !== total && done - lastDone < total / 100 && now - lastAt < 250) return;
    lastAt = now;
    lastDone = done;
    const elapsed = (now - started) / 1000;
    const etaSeconds = done > 0 ? Math.round((elapsed / done) * (total - done)) : undefined;
    ctx.emit({ type: 'progress', phase, done, total, ...(etaSeconds !== undefined ? { etaSeconds } : {}) });
  };
}

/** The last run's scan cache; an entry that is not what a scan writes is dropped (that file is scanned again). */
export async function readScanCache(output: string): Promise<ScanCache> {
  try {
    const text = await fs.readFile(path.join(output, SCAN_CACHE_FILE), 'utf8');
    const raw = JSON.parse(text) as { v?: number; entries?: unknown } | null;
    if (raw?.v !== 1 || typeof raw.entries !== 'object' || raw.entries === null || Array.isArray(raw.entries)) {
      return new Map();
    }
    const cache: ScanCache = new Map();
    for (const [file, e] of Object.entries(raw.entries)) {
      const entry = validScanCacheEntry(e);
      if (entry) cache.set(file, entry);
    }
    return cache;
  } catch {
    return new Map();
  }
}

function scanCacheText(fresh: ScanCache): string {
  return JSON.stringify({ v: 1, entries: Object.fromEntries([...fresh].sort(([a], [b]) => (a < b ? -1 : 1))) });
}
