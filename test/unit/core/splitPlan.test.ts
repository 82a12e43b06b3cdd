// The split plan: stratified, seeded, independent of listing order, duplicates once, conflicts out, no content in two splits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classFolderOf, planSplit, safeSegment, valCount, type ScannedItem, type SplitSettings,
} from '../../../src/core/splitPlan';
import { countsOf, isSafeRelative, parseManifest } from '../../../src/core/datasetManifest';
import { findNearDuplicates } from '../../../src/core/nearDuplicates';
import { classNotes, imageNotes, problemFinding } from '../../../src/core/healthChecks';
import { mulberry32 } from '../../../src/core/seededRandom';

const sha = (s: string) => Buffer.from(s).toString('hex').padEnd(64, '0').slice(0, 64);
function item(rel: string, label: string | null, extra: Partial<ScannedItem> = {}): ScannedItem {
  const name = rel.split('/').pop()!;
  return { rel, source: `/src/${rel}`, name, label, sha256: sha(rel), bytes: 100, width: 50, height: 40, ...extra };
}
const cls = (label: string, n: number) => Array.from({ length: n }, (_, i) => item(`train/${label}.${i}.jpg`, label));
const base: SplitSettings = { val: 0.2, trainDev: 0, seed: 42 };

function splitOf(plan: ReturnType<typeof planSplit>) {
  return countsOf(plan.files, [...new Set(plan.files.map((f) => f.class).filter((c): c is string => c !== null))].sort());
}

describe('planSplit', () => {
  const table: { name: string; items: ScannedItem[]; settings?: Partial<SplitSettings>; counts: Record<string, Record<string, number>> }[] = [
    { name: 'dogs-vs-cats sized, val 0.2', items: [...cls('cat', 700), ...cls('dog', 700)], counts: { train: { cat: 560, dog: 560 }, val: { cat: 140, dog: 140 } } },
    { name: 'with train-dev', items: [...cls('a', 100), ...cls('b', 50)], settings: { trainDev: 0.1 }, counts: { train: { a: 70, b: 35 }, val: { a: 20, b: 10 }, 'train-dev': { a: 10, b: 5 } } },
    { name: 'caps per class and per val', items: [...cls('a', 100), ...cls('b', 40)], settings: { maxPerClass: 30, maxValPerClass: 4 }, counts: { train: { a: 26, b: 26 }, val: { a: 4, b: 4 } } },
    { name: 'tiny classes still get one val image', items: [...cls('a', 2), ...cls('b', 3)], counts: { train: { a: 1, b: 2 }, val: { a: 1, b: 1 } } },
    { name: 'a class of one stays in train', items: [...cls('a', 1), ...cls('b', 5)], counts: { train: { a: 1, b: 4 }, val: { a: 0, b: 1 } } },
    { name: 'val 0', items: [...cls('a', 5), ...cls('b', 5)], settings: { val: 0 }, counts: { train: { a: 5, b: 5 } } },
    {
      name: 'unlabeled test carried over, capped', items: [...cls('a', 5), ...cls('b', 5), ...Array.from({ length: 8 }, (_, i) => item(`test/${i}.jpg`, null, { split: 'test' }))],
      settings: { maxTest: 3 }, counts: { train: { a: 4, b: 4 }, val: { a: 1, b: 1 }, test: { '(unlabeled)': 3 } },
    },
    {
      name: 'an existing val/ is kept', items: [...cls('a', 10), ...cls('b', 10), item('val/a/x.jpg', 'a', { split: 'val' }), item('val/b/y.jpg', 'b', { split: 'val' })].map((i) => (i.split ? i : { ...i, split: 'train' as const })),
      counts: { train: { a: 10, b: 10 }, val: { a: 1, b: 1 } },
    },
  ];
  for (const c of table) {
    it(c.name, () => assert.deepEqual(splitOf(planSplit(c.items, { ...base, ...c.settings })), c.counts));
  }

  it('gives the same split whatever order the files were listed in, and a different one for another seed', () => {
    const items = [...cls('cat', 50), ...cls('dog', 50)];
    const a = planSplit(items, base).files.map((f) => `${f.split}:${f.path}`);
    const b = planSplit(items.slice().reverse(), base).files.map((f) => `${f.split}:${f.path}`);
    const c = planSplit(items, { ...base, seed: 7 }).files.map((f) => `${f.split}:${f.path}`);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('does not reshuffle one class when another class changes', () => {
    const valOf = (items: ScannedItem[]) => planSplit(items, base).files.filter((f) => f.class === 'cat' && f.split === 'val').map((f) => f.path);
    assert.deepEqual(valOf([...cls('cat', 30), ...cls('dog', 30)]), valOf([...cls('cat', 30), ...cls('dog', 31)]));
  });

  it('keeps an exact duplicate once, excludes label conflicts naming both files, one hash in one labelled split', () => {
    const dup = sha('same-sunflower');
    const clash = sha('rose-tulip');
    const items = [
      ...cls('rose', 10), ...cls('tulip', 10),
      item('rose/15922772266.jpg', 'rose', { sha256: clash }), item('tulip/15922772266.jpg', 'tulip', { sha256: clash }),
      item('rose/a.jpg', 'rose', { sha256: dup }), item('rose/b.jpg', 'rose', { sha256: dup }),
      item('test/1.jpg', null, { split: 'test', sha256: sha('train/rose.3.jpg') }),
    ];
    const plan = planSplit(items, base);
    assert.deepEqual(plan.conflicts.map((c) => c.files.map((f) => f.file)), [['rose/15922772266.jpg', 'tulip/15922772266.jpg']]);
    assert.deepEqual(plan.duplicates.map((d) => [d.kept, d.dropped]), [['rose/a.jpg', ['rose/b.jpg']]]);
    const excluded = plan.excluded.map((e) => [e.rel, e.code]);
    assert.deepEqual(excluded, [
      ['rose/15922772266.jpg', 'label-conflict'], ['rose/b.jpg', 'duplicate'], ['tulip/15922772266.jpg', 'label-conflict'],
    ]);
    assert.match(plan.excluded[0].reason, /same image as tulip\/15922772266\.jpg \(tulip\)/);
    const splitsOfHash = new Map<string, Set<string>>();
    for (const f of plan.files.filter((x) => x.split !== 'test')) {
      splitsOfHash.set(f.sha256, (splitsOfHash.get(f.sha256) ?? new Set()).add(f.split));
    }
    assert.ok([...splitsOfHash.values()].every((s) => s.size === 1));
    const labelled = plan.files.filter((f) => f.split !== 'test');
    assert.equal(new Set(labelled.map((f) => f.sha256)).size, labelled.length);
  });

  it('never excludes a test image: copies of a training image or of each other are findings', () => {
    const twin = sha('twin');
    const items = [
      ...cls('a', 5), ...cls('b', 5),
      item('test/1.jpg', null, { split: 'test', sha256: sha('train/a.3.jpg') }),
      item('test/2.jpg', null, { split: 'test', sha256: twin }),
      item('test/3.jpg', null, { split: 'test', sha256: twin }),
    ];
    const plan = planSplit(items, base);
    const tests = plan.files.filter((f) => f.split === 'test').map((f) => f.path);
    assert.deepEqual(tests, ['test/1.jpg', 'test/2.jpg', 'test/3.jpg']);
    assert.deepEqual(plan.excluded, []);
    assert.deepEqual(plan.duplicates, []);
    const leak = plan.findings.find((f) => f.code === 'test-leak');
    assert.deepEqual(leak?.files, ['test/1.jpg', 'train/a.3.jpg']);
    assert.deepEqual(plan.findings.find((f) => f.code === 'test-duplicate')?.files, ['test/2.jpg', 'test/3.jpg']);
  });

  it('a label conflict leaves out the labelled copies but keeps the test copy', () => {
    const clash = sha('clash');
    const items = [
      ...cls('a', 5), ...cls('b', 5),
      item('train/a.x.jpg', 'a', { sha256: clash }), item('train/b.x.jpg', 'b', { sha256: clash }),
      item('test/9.jpg', null, { split: 'test', sha256: clash }),
    ];
    const plan = planSplit(items, base);
    assert.deepEqual(plan.excluded.map((e) => e.rel), ['train/a.x.jpg', 'train/b.x.jpg']);
    assert.ok(plan.files.some((f) => f.path === 'test/9.jpg'));
    assert.match(plan.findings.find((f) => f.code === 'label-conflict')!.message, /test\/9\.jpg stays in test/);
    assert.equal(plan.findings.find((f) => f.code === 'test-leak'), undefined);
  });

  it('test copies whose names clash on a case-insensitive disk each get a file of their own', () => {
    const same = sha('same');
    const names = ['x.jpg', 'X.jpg', 'x.JPG', 'X.JPG'];
    const copies = names.map((n) => item(`test/${n}`, null, { split: 'test', sha256: same }));
    const items = [...cls('a', 3), ...cls('b', 3), ...copies];
    const paths = planSplit(items, base).files.filter((f) => f.split === 'test').map((f) => f.path.toLowerCase());
    assert.equal(new Set(paths).size, 4, paths.join());
  });

  it('warns about a class without validation images, unless validation is off', () => {
    const f = planSplit([...cls('a', 1), ...cls('b', 5)], base).findings.find((x) => x.code === 'no-val-images');
    assert.equal(f?.severity, 'warning');
    assert.match(f!.message, /^Class "a" \(1 image\) has no validation images/);
    const off = planSplit([...cls('a', 1), ...cls('b', 5)], { ...base, val: 0 });
    assert.equal(off.findings.find((x) => x.code === 'no-val-images'), undefined);
  });

  it('renames a name clash in the output with a content-hash suffix', () => {
    const items = [item('train/a/sub1/x.jpg', 'a', { name: 'x.jpg' }), item('train/a/sub2/X.jpg', 'a', { name: 'X.jpg' }), ...cls('b', 3)];
    const plan = planSplit(items, { ...base, val: 0 });
    const paths = plan.files.filter((f) => f.class === 'a').map((f) => f.path);
    assert.equal(paths.length, 2);
    assert.ok(paths.some((p) => /^train\/a\/X~[0-9a-f]{8}\.jpg$/.test(p)), paths.join());
    assert.ok(plan.findings.some((f) => f.code === 'renamed'));
  });

  // A backslash is legal in a Linux name, but dataset.json refuses it (a folder separator on Windows), so a manifest
  // with one locked the user out of the folder: prepare again, train and undo all refused it.
  it('gives a name or class with a backslash a safe output name, and the manifest reads back', () => {
    const odd = item('a/windows\\path.jpg', 'a');
    const real = item('a/windows_path.jpg', 'a');
    const slashClass = cls('b\\c', 3);
    const plan = planSplit([odd, real, ...cls('a', 3), ...slashClass], { ...base, val: 0 });
    const pathOf = (i: ScannedItem) => plan.files.find((f) => f.rel === i.rel)!.path;
    assert.equal(pathOf(odd), `train/a/windows_path~${odd.sha256.slice(0, 8)}.jpg`);
    assert.equal(pathOf(real), 'train/a/windows_path.jpg', 'the file that really has that name keeps it');
    assert.match(pathOf(slashClass[0]), /^train\/b_c~[0-9a-f]{8}\//);
    assert.ok(plan.files.every((f) => isSafeRelative(f.path)), plan.files.map((f) => f.path).join());
    const renamed = plan.findings.filter((f) => f.code === 'renamed');
    assert.ok(renamed.some((f) =>
      f.files.includes(odd.rel) && f.message.includes(odd.rel) && /backslash/.test(f.message)));
    assert.ok(renamed.some((f) => f.message.includes('Class "b\\c"') && f.files.length === 3));
    const classes = ['a', 'b\\c'];
    const files = plan.files.map(({ rel: _rel, ...f }) => f);
    const manifest = {
      version: 1, layout: 'class-folders', source: '/src', output: '/out', classes,
      settings: { ...base, val: 0, placement: 'link' }, files, excluded: [], findings: plan.findings,
      counts: countsOf(files, classes), createdDirs: [],
    };
    const parsed = parseManifest(JSON.parse(JSON.stringify(manifest)));
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  });

  it('safeSegment replaces only the backslash; classFolderOf keeps a safe class name as it is', () => {
    assert.equal(safeSegment('a\\b\\c "?:<>|*.jpg'), 'a_b_c "?:<>|*.jpg');
    assert.equal(classFolderOf('golden retriever'), 'golden retriever');
    assert.notEqual(classFolderOf('a\\b'), classFolderOf('a_b'));
  });
});

describe('valCount', () => {
  const table: [number, number, number | undefined, number][] = [[700, 0.2, undefined, 140], [10, 0.2, undefined, 2], [2, 0.2, undefined, 1], [1, 0.2, undefined, 0], [100, 0.5, 10, 10], [5, 0.9, undefined, 4], [50, 0, undefined, 0]];
  for (const [n, val, cap, want] of table) it(`n=${n} val=${val} cap=${cap} → ${want}`, () => assert.equal(valCount(n, { val, maxValPerClass: cap }), want));
});

describe('near duplicates', () => {
  // The test's own distance, counted bit by bit over BigInt: independent of the search's popcount.
  const bitDistance = (a: string, b: string) =>
    [...(BigInt(`0x${a}`) ^ BigInt(`0x${b}`)).toString(2)].filter((c) => c === '1').length;

  it('reports each pair of different files once, with its Hamming distance', () => {
    const zero = '0000000000000000';
    const images = [
      { id: 'a', dhash: zero, sha256: '1' }, { id: 'b', dhash: zero, sha256: '2' },
      { id: 'c', dhash: '8000000000000001', sha256: '3' }, { id: 'd', dhash: 'ffffffffffffffff', sha256: '4' },
      // The same content as 'a': a copy, not a near-duplicate of it.
      { id: 'e', dhash: zero, sha256: '1' },
    ];
    assert.deepEqual(findNearDuplicates(images).pairs, [
      { a: 'a', b: 'b', distance: 0 }, { a: 'a', b: 'c', distance: 2 }, { a: 'b', b: 'c', distance: 2 },
      { a: 'b', b: 'e', distance: 0 }, { a: 'c', b: 'e', distance: 2 },
    ]);
  });

  it('finds exactly the pairs a brute-force search finds', () => {
    const random = mulberry32(9);
    const hex = () => Array.from({ length: 16 }, () => Math.floor(random() * 16).toString(16)).join('');
    const images = Array.from({ length: 300 }, (_, i) => ({ id: `f${String(i).padStart(3, '0')}`, dhash: hex(), sha256: `s${i}` }));
    // Plant near copies: flip 0..4 bits of some hashes.
    for (let i = 0; i < 40; i++) {
      const src = images[i * 7];
      let h = BigInt('0x' + src.dhash);
      for (let b = 0; b < i % 5; b++) h ^= 1n << BigInt(Math.floor(random() * 64));
      images.push({ id: `n${String(i).padStart(3, '0')}`, dhash: h.toString(16).padStart(16, '0'), sha256: `t${i}` });
    }
    const brute: string[] = [];
    for (let i = 0; i < images.length; i++) {
      for (let j = i + 1; j < images.length; j++) {
        const d = bitDistance(images[i].dhash, images[j].dhash);
        if (d <= 3) brute.push(`${[images[i].id, images[j].id].sort().join('|')}|${d}`);
      }
    }
    const found = findNearDuplicates(images, 3).pairs.map((p) => `${p.a}|${p.b}|${p.distance}`);
    assert.deepEqual(found.sort(), brute.sort());
    assert.ok(found.length >= 30, `planted pairs found: ${found.length}`);
  });

  it('bounds the work when many images share a hash', () => {
    const images = Array.from({ length: 3000 }, (_, i) => ({ id: String(i), dhash: '0000000000000000', sha256: String(i) }));
    const r = findNearDuplicates(images, 3, 100_000);
    assert.equal(r.truncated, true);
  });
});

describe('health notes', () => {
  const scans: { rel: string; scan: Parameters<typeof imageNotes>[0][number]['scan'] }[] = [
    { rel: 'a/anim.gif', scan: { bytes: 1, width: 40, height: 40, pages: 2 } },
    { rel: 'a/tiny.png', scan: { bytes: 1, width: 1, height: 1, channels: 3 } },
    { rel: 'a/strip.jpg', scan: { bytes: 1, width: 400, height: 40 } },
    { rel: 'a/rot.jpg', scan: { bytes: 1, width: 40, height: 60, orientation: 6 } },
    { rel: 'a/grey.png', scan: { bytes: 1, width: 40, height: 40, channels: 1, space: 'b-w' } },
    { rel: 'a/cmyk.jpg', scan: { bytes: 1, width: 40, height: 40, channels: 4, space: 'cmyk' } },
    { rel: 'a/alpha.png', scan: { bytes: 1, width: 40, height: 40, channels: 4, hasAlpha: true } },
    { rel: 'a/deep.png', scan: { bytes: 1, width: 40, height: 40, channels: 3, bitsPerSample: 16 } },
  ];
  const table: [string, string, RegExp][] = [
    ['animated', 'a/anim.gif', /only the first frame/], ['tiny', 'a/tiny.png', /smaller than 32 px.*1×1/], ['extreme-aspect', 'a/strip.jpg', /3:1/],
    ['exif-orientation', 'a/rot.jpg', /rotated 90°/], ['grayscale', 'a/grey.png', /converted to RGB/], ['cmyk', 'a/cmyk.jpg', /CMYK/],
    ['alpha', 'a/alpha.png', /transparency/], ['high-bit-depth', 'a/deep.png', /16-bit/],
  ];
  const notes = imageNotes(scans);
  for (const [code, file, message] of table) {
    it(`${code} names ${file}`, () => {
      const f = notes.find((n) => n.code === code);
      assert.ok(f, `no ${code} note`);
      assert.deepEqual(f.files, [file]);
      assert.match(f.message, message);
    });
  }
  it('imbalance and small classes', () => {
    assert.deepEqual(classNotes({ a: 100, b: 60 }).map((n) => n.code), ['class-imbalance']);
    assert.deepEqual(classNotes({ a: 100, b: 80 }), []);
    assert.deepEqual(classNotes({ a: 100, b: 5 }).map((n) => n.code), ['class-imbalance', 'small-class']);
  });
  it('a skipped file gets its own actionable message', () => {
    const f = problemFinding('train/cat.1001.jpg', { code: 'truncated', detail: 'premature end of JPEG image' }, 'jpeg');
    assert.equal(f.message, 'Cannot decode train/cat.1001.jpg: truncated JPEG (premature end of JPEG image). Skipped.');
    assert.ok(f.hint && f.hint.length > 10);
  });
});
