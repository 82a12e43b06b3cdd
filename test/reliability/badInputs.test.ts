// Issue 12's reliability suite, bad inputs. A table of kinds (test/fixtures/badInputs.ts): file kinds made in a class
// folder for `prepare` and in an images folder for `predict`, dataset kinds that shape a dataset, and bad inputs that
// stop a whole job. Each asserts a clear message naming the file, or, for inputs that are fine, that the file is used
// correctly; and that nothing was lost: the originals keep their bytes and names, every good file is placed or
// predicted, and the job goes on past each bad one. One short training run on the prepared contents group proves the
// decodable-but-odd images train without NaN. Each group of kinds is its own folder; when a bug stops a group's job,
// the group is bisected so the failure lands on the kinds that cause it. Every job runs in a child killed after a
// deadline, so a FIFO named x.jpg can fail the suite but not hang it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MANIFEST_FILE, parseManifest, type DatasetManifest } from '../../src/core/datasetManifest';
import { isIgnoredName, stemOf } from '../../src/core/imageNames';
import type { PrepareResult } from '../../src/core/jobs/prepare';
import type { PredictResult } from '../../src/core/jobs/predict';
import type { TrainResult } from '../../src/core/jobs/train';
import {
  BACKBONE, DATASET_KINDS, FILE_GROUPS, FILE_KINDS, giveTo, JOB_KINDS, jobUser, parseCsv, predictOutcomes, put,
  restoreModes, runIsolated, SECRETS, snapshotTree, type BadInputKind, type IsolatedRun, type Outcome,
} from '../fixtures/badInputs';
import { patternJpeg } from '../fixtures/syntheticImages';

const KINDS = FILE_KINDS.length + DATASET_KINDS.length + JOB_KINDS.length;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bad-inputs-'));
fs.chmodSync(tmp, 0o755); // the job child may run as another user
const outside = path.join(tmp, 'outside');
const work = path.join(tmp, 'work');
const user = jobUser();
after(() => {
  restoreModes(tmp);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const CLASSES = ['cat', 'dog'];
const GOOD_PER_CLASS = 6;
const GOOD_TO_PREDICT = 4;
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const skipOf = (k: BadInputKind) => (k.unreadable && user.unreadableSkip ? user.unreadableSkip : undefined);

/** One folder of kinds: prepared as a dataset, and (for file kinds) predicted as a folder of images. */
interface Group {
  name: string;
  kinds: BadInputKind[];
  /** Dataset kinds shape the dataset root and are not predicted. */
  dataset: boolean;
  src: string;
  images: string;
  prepared: string;
  /** For a kind run on its own: the group whose job failed. */
  via?: string;
  prepare?: { run: IsolatedRun; result?: PrepareResult; manifest?: DatasetManifest; error?: string };
  predict?: { run: IsolatedRun; result?: PredictResult; ids?: Set<string>; error?: string };
}

const groupOf = (name: string, kinds: BadInputKind[], dataset: boolean, under = tmp): Group => ({
  name, kinds, dataset, src: path.join(under, name, 'photos'), images: path.join(under, name, 'images'),
  prepared: path.join(work, `${name}-prepared`),
});
const GROUPS: Group[] = [
  ...FILE_GROUPS.map((g) => groupOf(g.name, g.kinds, false)), groupOf('dataset', DATASET_KINDS, true),
];
const FILE_GROUP_LIST = GROUPS.filter((g) => !g.dataset);
/** The class folder a file kind is made in: alternating, so both classes get their share. */
const classOf = (g: Group, kind: BadInputKind) => CLASSES[g.kinds.indexOf(kind) % 2];

let seed = 1000;
/** The run predict uses: the suite's training run, once it has finished. */
let runDir = path.join(work, 'no-run');
async function build(g: Group, gi: number): Promise<void> {
  const kit = { seed: () => ++seed, outside };
  const good = (s: number) => patternJpeg(gi * 100 + s, 96, 72);
  for (const [c, cls] of CLASSES.entries()) {
    for (let i = 1; i <= GOOD_PER_CLASS; i++) put(g.src, `${cls}/good-${i}.jpg`, await good(c * 10 + i));
  }
  if (!g.dataset) for (let i = 1; i <= GOOD_TO_PREDICT; i++) put(g.images, `good-${i}.jpg`, await good(50 + i));
  for (const kind of g.kinds) {
    if (skipOf(kind)) continue;
    if (g.dataset) {
      await kind.make(g.src, kit);
    } else {
      await kind.make(path.join(g.src, classOf(g, kind)), kit);
      await kind.make(g.images, kit);
    }
  }
}

/**
 * When a group's job fails as a whole, its kinds are bisected into smaller folders (each with the good files) until
 * every kind sits in a folder whose job finished, or alone in one whose job failed: that names the kinds that stop the
 * job, and still checks all the others. Made under work/, outside the snapshot of the originals.
 */
const partsOf = { prepare: new Map<BadInputKind, Group>(), predict: new Map<BadInputKind, Group>() };
let parts = 0;
async function bisect(g: Group, kinds: BadInputKind[], job: 'prepare' | 'predict'): Promise<void> {
  if (!kinds.length) return;
  const part = groupOf(`part-${++parts}`, kinds, g.dataset, path.join(work, 'parts'));
  part.via = g.name;
  await build(part, 50 + parts);
  if (job === 'prepare') runPrepare(part);
  else runPredict(part);
  if (!part[job]!.error || kinds.length === 1) {
    for (const k of kinds) partsOf[job].set(k, part);
    return;
  }
  await bisect(g, kinds.slice(0, Math.ceil(kinds.length / 2)), job);
  await bisect(g, kinds.slice(Math.ceil(kinds.length / 2)), job);
}

/** The group whose run a kind is checked against: its own group's, or the part it was bisected into. */
const targetOf = (g: Group, kind: BadInputKind, job: 'prepare' | 'predict') =>
  (g[job]?.error ? partsOf[job].get(kind) ?? g : g);

const whatOf = (g: Group) => (!g.via ? `the ${g.name} group`
  : g.kinds.length === 1 ? `"${g.kinds[0].name}" on its own` : `${g.kinds.length} kinds of the ${g.via} group`);
const viaNote = (g: Group, job: string) => (g.via ? ` (bisected after ${job} of the ${g.via} group failed)` : '');

function runPrepare(g: Group): void {
  const run = runIsolated('prepare', { source: g.src, out: g.prepared, seed: 42 }, work, user, 120_000);
  const { result, error } = outcomeOf<PrepareResult>(run, `prepare of ${whatOf(g)}`);
  g.prepare = { run, result, error };
  if (!result) return;
  const parsed = parseManifest(JSON.parse(fs.readFileSync(path.join(g.prepared, MANIFEST_FILE), 'utf8')));
  if (parsed.ok) g.prepare.manifest = parsed.value;
  else g.prepare.error = `prepare wrote a dataset.json it cannot read back: ${parsed.error}`;
}

// ─── checks ─────────────────────────────────────────────────────────────────────────────────────────────────────────

const snapshot = () => snapshotTree(tmp, ['work']);
let originals: Record<string, string>;

function assertOriginalsUnchanged(): void {
  const now = snapshot();
  const changed = Object.keys({ ...originals, ...now }).filter((k) => originals[k] !== now[k]);
  assert.deepEqual(changed.map((k) => `${JSON.stringify(k)}: ${originals[k]} → ${now[k]}`), [], 'originals changed');
}

/** Everything a user could read about a run: result, log lines, events, stderr. */
const everythingOf = (r: IsolatedRun) =>
  [JSON.stringify(r.terminal), JSON.stringify(r.logs), r.eventsText, r.stderr].join('\n');

function assertNoSecrets(text: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `the output quotes a refused file's contents: "${s}"`);
}

/** The job's result, or why there is none (a hang, a crash, an error). */
function outcomeOf<T>(r: IsolatedRun, what: string): { result?: T; error?: string } {
  if (r.timedOut) return { error: `${what} hung (killed after ${r.seconds.toFixed(0)} s)` };
  if (!r.terminal) return { error: `${what} gave no result (exit ${r.exitCode}):\n${r.stderr.slice(-3000)}` };
  if (r.terminal.type !== 'done') return { error: `${what} failed: ${JSON.stringify(r.terminal)}` };
  return { result: (r.terminal as { result: T }).result };
}

const isDirectory = (p: string) => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false; // dangling, a loop
  }
};

type Entry = { rel: string; kind: 'file' | 'dir' | 'link-dir' | 'other' };

/** Every entry under `dir` (real folders walked; links and hidden names not followed), relative with '/'. */
function entriesUnder(dir: string, rel = ''): Entry[] {
  const out: Entry[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(path.join(dir, rel));
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    if (isIgnoredName(name) || name === '__MACOSX') continue;
    const r = rel ? `${rel}/${name}` : name;
    const st = fs.lstatSync(path.join(dir, r), { throwIfNoEntry: false });
    if (!st) out.push({ rel: r, kind: 'other' }); // a name Node cannot give back (not valid UTF-8)
    else if (st.isDirectory()) out.push({ rel: r, kind: 'dir' }, ...entriesUnder(dir, r));
    else if (st.isSymbolicLink() && isDirectory(path.join(dir, r))) {
      out.push({ rel: r, kind: 'link-dir' });
    } else out.push({ rel: r, kind: st.isFile() || st.isSymbolicLink() ? 'file' : 'other' });
  }
  return out;
}

function prepared(g: Group): { result: PrepareResult; manifest: DatasetManifest } {
  assert.ok(g.prepare, `prepare ${g.name} did not run`);
  if (g.prepare.error || !g.prepare.result || !g.prepare.manifest) {
    assert.fail(`${g.prepare.error ?? 'no manifest'}${viaNote(g, 'prepare')}`);
  }
  return { result: g.prepare.result, manifest: g.prepare.manifest };
}

async function checkPrepare(g: Group, o: Outcome, base: string): Promise<void> {
  const { result, manifest } = prepared(g);
  const relOf = (file: string) => (base ? `${base}/${file}` : file);
  const absOf = (file: string) => path.join(g.src, ...relOf(file).split('/'));
  const placedOf = (abs: string) => manifest.files.find((f) => f.source === abs);
  const excludedOf = (abs: string) => manifest.excluded.find((e) => e.file === abs);
  const naming = (rel: string) => result.findings.filter((f) => f.files.includes(rel) || f.message.includes(rel));
  const show = (rel: string) => JSON.stringify(naming(rel).map((f) => [f.code, f.message]));
  const under = (abs: string) => (p: string) => p === abs || p.startsWith(abs + path.sep);
  switch (o.is) {
    case 'used': {
      const rel = relOf(o.file), abs = absOf(o.file);
      const placed = placedOf(abs);
      assert.ok(placed, `${JSON.stringify(rel)} is placed; excluded: ${JSON.stringify(excludedOf(abs))}; ${show(rel)}`);
      assert.equal(excludedOf(abs), undefined);
      const dest = path.join(g.prepared, ...placed.path.split('/'));
      assert.equal(sha(dest), sha(abs), 'the placed file holds the original bytes (the target\'s, for a link)');
      assert.equal(placed.sha256, sha(abs));
      const kept = path.basename(placed.path).replace(/~[0-9a-f]{8}(?=\.[^.]*$|$)/, '');
      assert.equal(kept, o.name ?? path.basename(rel), o.name ? 'the safe name' : 'the name is kept');
      if (o.size) assert.deepEqual([placed.width, placed.height], o.size, 'the size, upright');
      const errors = naming(rel).filter((f) => f.severity === 'error');
      assert.deepEqual(errors.map((f) => f.message), [], 'no error names a file that is used');
      if (o.note) {
        const note = result.findings.find((f) => f.code === o.note && f.files.includes(rel));
        // Its files name every image; its message may list the first few and say "and N more".
        assert.ok(note, `a "${o.note}" finding names ${rel}; got ${show(rel)}`);
      }
      if (o.check) await o.check(dest);
      return;
    }
    case 'refused': {
      const rel = relOf(o.file), abs = absOf(o.file);
      assert.equal(placedOf(abs), undefined, `${rel} is not placed`);
      const excluded = excludedOf(abs);
      assert.ok(excluded, `${JSON.stringify(rel)} is listed as excluded; findings: ${show(rel)}`);
      assert.ok(o.code.includes(excluded.code), `${rel}: code ${excluded.code}, expected one of ${o.code.join(', ')}`);
      assert.ok(excluded.reason.includes(rel), `the reason names the file: ${excluded.reason}`);
      const f = result.findings.find((x) => x.files.includes(rel) && o.code.includes(x.code));
      assert.ok(f, `a finding names ${rel}; got ${show(rel)}`);
      assert.ok(f.message.includes(rel), f.message);
      if (f.severity !== 'info') assert.ok(f.hint, `a ${f.severity} says what to do: ${f.message}`);
      if (o.reason) assert.match(f.message, o.reason);
      return;
    }
    case 'ignored': {
      const rel = relOf(o.file), abs = absOf(o.file);
      assert.equal(manifest.files.find((f) => under(abs)(f.source)), undefined, 'not placed');
      assert.equal(manifest.excluded.find((e) => under(abs)(e.file)), undefined, 'not excluded');
      assert.deepEqual(naming(rel).map((f) => f.message), [], 'left out without a word');
      return;
    }
    case 'noted': {
      const rel = relOf(o.file);
      const f = result.findings.find((x) => x.code === o.code && (x.files.includes(rel) || x.message.includes(rel)));
      const codes = result.findings.map((x) => x.code).join(', ');
      assert.ok(f, `a "${o.code}" finding names ${rel}; got ${show(rel)}; all codes: ${codes}`);
      if (f.severity !== 'info') assert.ok(f.hint, `a ${f.severity} says what to do: ${f.message}`);
      return;
    }
    case 'one-of': {
      const placed = o.files.filter((file) => placedOf(absOf(file)));
      assert.equal(placed.length, 1, `exactly one of ${o.files.join(', ')} is placed, got ${placed.length}`);
      const other = o.files.find((file) => file !== placed[0])!;
      const excluded = excludedOf(absOf(other));
      assert.ok(excluded?.code === o.code, `${relOf(other)} is excluded as ${o.code}: ${JSON.stringify(excluded)}`);
      assert.ok(excluded.reason.includes(relOf(other)), excluded.reason);
      return;
    }
    case 'either': {
      const rel = relOf(o.file), abs = absOf(o.file);
      if (placedOf(abs)) return;
      const excluded = excludedOf(abs);
      assert.ok(excluded, `${JSON.stringify(rel)} is neither placed nor excluded: dropped silently`);
      assert.ok(excluded.reason.includes(rel), excluded.reason);
      assert.ok(naming(rel).length > 0, `a finding names ${rel}`);
      if (o.reason) assert.match(excluded.reason, o.reason);
    }
  }
}

function runPredict(g: Group): void {
  const out = path.join(work, `${g.name}-predictions.csv`);
  const run = runIsolated('predict', { runDir, images: g.images, out, workers: 1 }, work, user, 120_000);
  const { result, error } = outcomeOf<PredictResult>(run, `predict of ${whatOf(g)}`);
  g.predict = { run, result, error };
  if (!result) return;
  const rows = parseCsv(fs.readFileSync(result.out, 'utf8'));
  const ids = new Set(rows.slice(1).map((r) => r[0]));
  const bad = rows.slice(1).filter((r) => r.slice(1).some((v) => !(Number(v) >= 0 && Number(v) <= 1)));
  if (rows[0]?.[0] !== 'id') g.predict.error = `CSV header ${JSON.stringify(rows[0])}`;
  else if (ids.size !== rows.length - 1) g.predict.error = 'the CSV repeats an id';
  else if (result.rows !== ids.size) g.predict.error = `${result.rows} rows reported, ${ids.size} written`;
  else if (bad.length) g.predict.error = `rows with values outside [0, 1]: ${JSON.stringify(bad)}`;
  else g.predict.ids = ids;
}

function predicted(g: Group): { result: PredictResult; ids: Set<string> } {
  assert.ok(g.predict, `predict ${g.name} did not run`);
  if (g.predict.error || !g.predict.result || !g.predict.ids) {
    assert.fail(`${g.predict.error ?? 'no CSV'}${viaNote(g, 'predict')}`);
  }
  return { result: g.predict.result, ids: g.predict.ids };
}

const idOf = (rel: string) => stemOf(path.posix.basename(rel));
const skippedIn = (r: PredictResult, rel: string) =>
  r.skipped.find((s) => s.file === rel || s.file.startsWith(`${rel}/`));

function checkPredict(g: Group, o: Outcome): void {
  const { result, ids } = predicted(g);
  if (o.is === 'one-of' || o.is === 'noted') throw new Error(`"${o.is}" is a prepare outcome`);
  const rel = o.file;
  const skipped = skippedIn(result, rel);
  const row = ids.has(idOf(rel));
  const skippedNames = JSON.stringify(result.skipped.map((s) => s.file));
  if (o.is === 'used') assert.ok(row, `${JSON.stringify(rel)} gets a row; skipped: ${JSON.stringify(skipped)}`);
  else if (o.is === 'refused') {
    assert.ok(!row, `${JSON.stringify(rel)} gets no row`);
    assert.ok(skipped, `${JSON.stringify(rel)} is named in skipped: ${skippedNames}`);
  } else if (o.is === 'ignored') assert.ok(!row, `${JSON.stringify(rel)} gets no row`);
  else assert.ok(row || skipped, `${JSON.stringify(rel)} gets a row or is named in skipped: ${skippedNames}`);
  // Skipped for the reason the kind names (not "it disappeared" for a name that is not UTF-8). Only for `either`:
  // a refused kind's reason is worded for prepare's findings, and predict words its own.
  if (o.is === 'either' && o.reason && skipped) assert.match(skipped.reason, o.reason);
}

// ─── the suite ──────────────────────────────────────────────────────────────────────────────────────────────────────

it('has at least 60 distinct bad-input kinds, each named once', (t) => {
  t.diagnostic(`bad-input kinds: ${KINDS}`);
  if (user.unreadableSkip) t.diagnostic(`unreadable kinds skipped: ${user.unreadableSkip}`);
  const names = [...FILE_KINDS, ...DATASET_KINDS, ...JOB_KINDS].map((k) => k.name);
  assert.equal(new Set(names).size, names.length, 'kind names are unique');
  assert.ok(names.length >= 60, `${names.length} kinds`);
  const stems = FILE_KINDS.flatMap((k) => predictOutcomes(k)).flatMap((o) => ('file' in o ? [idOf(o.file)] : []));
  assert.equal(new Set(stems).size, stems.length, 'predict ids are unique across file kinds');
});

describe(`bad inputs (${KINDS} kinds)`, () => {
  before(async () => {
    giveTo(work, user);
    fs.mkdirSync(outside, { recursive: true });
    for (const [gi, g] of GROUPS.entries()) await build(g, gi + 1);
    originals = snapshot();
  });

  describe('prepare', () => {
    before(async () => {
      for (const g of GROUPS) {
        runPrepare(g);
        if (!g.prepare!.error) continue;
        const kinds = g.kinds.filter((k) => !skipOf(k));
        await bisect(g, kinds.slice(0, Math.ceil(kinds.length / 2)), 'prepare');
        await bisect(g, kinds.slice(Math.ceil(kinds.length / 2)), 'prepare');
      }
    });

    it('leaves every original as it was', () => assertOriginalsUnchanged());

    for (const g of GROUPS) {
      describe(`the ${g.name} group`, () => {
        it('finishes, places every good file, and never quotes a refused file\'s contents', (t) => {
          t.diagnostic(`prepare ${g.name}: ${g.prepare?.run.seconds.toFixed(1)} s`);
          const { manifest } = prepared(g);
          assert.ok(g.prepare!.run.seconds < 60, `prepare took ${g.prepare!.run.seconds} s`);
          for (const cls of CLASSES) {
            for (let i = 1; i <= GOOD_PER_CLASS; i++) {
              const abs = path.join(g.src, cls, `good-${i}.jpg`);
              assert.ok(manifest.files.some((f) => f.source === abs), `${cls}/good-${i}.jpg is placed`);
            }
          }
          assertNoSecrets(everythingOf(g.prepare!.run) + fs.readFileSync(path.join(g.prepared, MANIFEST_FILE), 'utf8'));
        });

        it('drops nothing silently: every entry is placed, excluded, or named in a finding', () => {
          const { result, manifest } = prepared(g);
          const silent = entriesUnder(g.src).filter(({ rel, kind }) => {
            if (kind === 'dir') return false;
            const abs = path.join(g.src, ...rel.split('/'));
            const placed = manifest.files.some((f) => f.source === abs || f.source.startsWith(abs + path.sep));
            const named = result.findings.some((f) => f.files.some((x) => rel === x || rel.startsWith(`${x}/`)));
            return !placed && !manifest.excluded.some((e) => e.file === abs) && !named;
          });
          assert.deepEqual(silent.map((e) => e.rel), []);
        });

        for (const kind of g.kinds) {
          it(kind.name, { skip: skipOf(kind) }, async () => {
            const target = targetOf(g, kind, 'prepare');
            for (const o of kind.prepare) await checkPrepare(target, o, target.dataset ? '' : classOf(target, kind));
          });
        }
      });
    }
  });

  describe('train on the prepared contents group (the decodable-but-odd images among its files)', () => {
    const g = GROUPS[0];
    let run: IsolatedRun;
    let summary: TrainResult;

    before(() => {
      const { manifest } = prepared(g);
      assert.ok(manifest.files.length > 40, `${manifest.files.length} placed files`);
      run = runIsolated('train', {
        dataset: g.prepared, backbone: BACKBONE, runsDir: path.join(work, 'runs'), cacheDir: path.join(work, 'cache'),
        epochs: 2, augment: 0, batch: 16, workers: 1, seed: 42,
      }, work, user, 180_000);
      const { result, error } = outcomeOf<TrainResult>(run, 'train');
      if (!result) assert.fail(error);
      summary = result;
    });

    it('completes with finite metrics in every epoch', (t) => {
      t.diagnostic(`train: ${run.seconds.toFixed(1)} s`);
      assert.equal(summary.status, 'completed');
      for (const [k, v] of Object.entries(summary.best)) assert.ok(Number.isFinite(v), `best ${k} = ${v}`);
      const record = JSON.parse(fs.readFileSync(path.join(summary.dir, 'run.json'), 'utf8')) as { history?: object[] };
      assert.ok(Array.isArray(record.history) && record.history.length > 0, 'run.json records its epochs');
      for (const e of record.history) {
        for (const [k, v] of Object.entries(e)) {
          if (typeof v === 'number') assert.ok(Number.isFinite(v), `epoch ${JSON.stringify(e)}: ${k} = ${v}`);
        }
      }
    });

    it('trains on every image prepare placed: nothing prepare accepted is skipped', () => {
      const { manifest } = prepared(g);
      assert.deepEqual(summary.skipped, [], 'train skipped files that prepare had accepted');
      for (const split of ['train', 'val'] as const) {
        const expected = summary.classes.map((c) => manifest.files.filter((f) => f.split === split && f.class === c)
          .length);
        assert.deepEqual(summary.counts[split], expected, `${split} images per class (${summary.classes.join(', ')})`);
      }
    });

    it('leaves every original as it was', () => assertOriginalsUnchanged());
  });

  describe('predict', () => {
    before(async () => {
      const runs = path.join(work, 'runs');
      const dirs = fs.existsSync(runs) ? fs.readdirSync(runs).map((r) => path.join(runs, r)) : [];
      runDir = dirs.find((d) => fs.existsSync(path.join(d, 'model'))) ?? runDir;
      for (const g of FILE_GROUP_LIST) {
        runPredict(g);
        if (!g.predict!.error) continue;
        const kinds = g.kinds.filter((k) => !skipOf(k));
        await bisect(g, kinds.slice(0, Math.ceil(kinds.length / 2)), 'predict');
        await bisect(g, kinds.slice(Math.ceil(kinds.length / 2)), 'predict');
      }
    });

    it('leaves every original as it was', () => assertOriginalsUnchanged());

    for (const g of FILE_GROUP_LIST) {
      describe(`the ${g.name} group`, () => {
        it('finishes, gives every good image a row, and names every skipped file without quoting it', (t) => {
          t.diagnostic(`predict ${g.name}: ${g.predict?.run.seconds.toFixed(1)} s`);
          const { result, ids } = predicted(g);
          assert.ok(g.predict!.run.seconds < 90, `predict took ${g.predict!.run.seconds} s`);
          for (let i = 1; i <= GOOD_TO_PREDICT; i++) assert.ok(ids.has(`good-${i}`), `good-${i}`);
          for (const s of result.skipped) assert.ok(s.reason.trim().length > 3, `${s.file}: "${s.reason}"`);
          assertNoSecrets(everythingOf(g.predict!.run) + fs.readFileSync(result.out, 'utf8'));
        });

        it('drops nothing silently: every entry gets a row or is named in skipped', () => {
          const { result, ids } = predicted(g);
          const silent = entriesUnder(g.images).filter(({ rel, kind }) =>
            (kind === 'file' || kind === 'other') && !ids.has(idOf(rel)) && !skippedIn(result, rel) &&
            !result.skipped.some((s) => rel.startsWith(`${s.file}/`)));
          assert.deepEqual(silent.map((e) => e.rel), []);
        });

        for (const kind of g.kinds) {
          it(kind.name, { skip: skipOf(kind) }, () => {
            const target = targetOf(g, kind, 'predict');
            for (const o of predictOutcomes(kind)) checkPredict(target, o);
          });
        }
      });
    }
  });

  describe('whole-job bad inputs', () => {
    const ctx = { dir: (name: string) => path.join(work, 'jobs', name), runDir: () => runDir };
    for (const k of JOB_KINDS) it(k.name, () => k.run(ctx));
  });
});
