// Layout detection, names and the bounded walk, on synthetic listings: every case is a tree and what must be found.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findDatasetCandidates } from '../../../src/core/datasetCandidates';
import {
  createDirReader, walkTree, type DirEntryInfo, type DirReader, type DirTree, type FsLike,
} from '../../../src/core/dirTree';
import { isIgnoredName, labelFromFileName, splitRoleOf } from '../../../src/core/imageNames';
import { detectLayout } from '../../../src/core/layoutDetection';

/** A tree from paths; a trailing '/' makes an empty folder. */
export function treeOf(paths: string[]): DirTree {
  const root: DirTree = { name: '', rel: '', path: '/data', files: [], dirs: [] };
  for (const p of paths) {
    const parts = p.split('/');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      let child = node.dirs.find((d) => d.name === parts[i]);
      if (!child) {
        const rel = parts.slice(0, i + 1).join('/');
        child = { name: parts[i], rel, path: `/data/${rel}`, files: [], dirs: [] };
        node.dirs.push(child);
      }
      node = child;
    }
    const name = parts[parts.length - 1];
    if (name) node.files.push({ name, rel: p, path: `/data/${p}`, kind: 'file' });
  }
  return root;
}

const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

describe('labelFromFileName', () => {
  const table: [string, string | null][] = [
    ['cat.1.jpg', 'cat'], ['dog.456.jpg', 'dog'], ['dog001.jpg', 'dog'], ['cat_12.png', 'cat'], ['Cat-3.jpeg', 'Cat'],
    ['golden_retriever_12.jpg', 'golden_retriever'], ['Abyssinian_100.jpg', 'Abyssinian'], ['1.jpg', null], ['12345.png', null],
    ['IMG_0001.jpg', null], ['DSC_0042.JPG', null], ['PXL_20230101.jpg', null], ['cat.jpg', null], ['x1.jpg', null],
    ['chat.noir.3.jpg', null], ['écureuil.7.jpg', 'écureuil'], ['test1.jpg', null],
  ];
  for (const [name, label] of table) it(`${name} → ${label}`, () => assert.equal(labelFromFileName(name), label));
});

describe('names', () => {
  const ignored: [string, boolean][] = [
    ['.DS_Store', true], ['Thumbs.db', true], ['desktop.ini', true], ['._cat.1.jpg', true], ['__MACOSX', true], ['.git', true],
    ['cat.1.jpg', false], ['train', false],
  ];
  for (const [name, want] of ignored) it(`isIgnoredName(${name}) = ${want}`, () => assert.equal(isIgnoredName(name), want));
  const roles: [string, string | null][] = [['train', 'train'], ['Training', 'train'], ['val', 'val'], ['valid', 'val'], ['validation', 'val'], ['test', 'test'], ['test1', 'test'], ['cats', null]];
  for (const [name, role] of roles) it(`splitRoleOf(${name}) = ${role}`, () => assert.equal(splitRoleOf(name), role));
});

describe('detectLayout', () => {
  const kaggle = [...range(5, (i) => `train/cat.${i}.jpg`), ...range(5, (i) => `train/dog.${i}.jpg`), ...range(3, (i) => `test/${i + 1}.jpg`)];
  const cases: {
    name: string; paths: string[]; status: 'found' | 'ambiguous' | 'none';
    kind?: string; root?: string; classes?: string[]; splits?: Record<string, number>; reason?: RegExp; message?: RegExp; notes?: string[];
  }[] = [
    { name: 'Kaggle train/ + unlabeled test/', paths: kaggle, status: 'found', kind: 'kaggle-flat', root: '', classes: ['cat', 'dog'], splits: { none: 10, test: 3 }, reason: /file names in train\/.*3 images in test\/ are unlabeled/ },
    { name: 'Kaggle flat at the root', paths: [...range(4, (i) => `dog00${i}.jpg`), ...range(4, (i) => `cat00${i}.jpg`)], status: 'found', kind: 'kaggle-flat', classes: ['cat', 'dog'] },
    { name: 'class folders', paths: [...range(3, (i) => `daisy/${i}.jpg`), ...range(2, (i) => `rose/${i}.jpg`), 'README.md'], status: 'found', kind: 'class-folders', classes: ['daisy', 'rose'], reason: /2 folders of images \(daisy \(3\), rose \(2\)\)/, notes: ['ignored-files'] },
    { name: 'class folders + unlabeled test/', paths: ['a/1.jpg', 'b/1.jpg', 'test/9.jpg'], status: 'found', kind: 'class-folders', classes: ['a', 'b'], splits: { none: 2, test: 1 } },
    { name: 'already split (hymenoptera)', paths: ['hymenoptera_data/train/ants/1.jpg', 'hymenoptera_data/train/bees/2.jpg', 'hymenoptera_data/val/ants/3.jpg', 'hymenoptera_data/val/bees/4.jpg'], status: 'found', kind: 'split-folders', root: 'hymenoptera_data', classes: ['ants', 'bees'], splits: { train: 2, val: 2 } },
    { name: 'split with valid/ and labeled test/', paths: ['train/a/1.jpg', 'train/b/1.jpg', 'valid/a/2.jpg', 'test/b/3.jpg'], status: 'found', kind: 'split-folders', splits: { train: 2, val: 1, test: 1 } },
    { name: 'train/ only with class folders: val is carved out', paths: ['train/a/1.jpg', 'train/b/1.jpg'], status: 'found', kind: 'split-folders', reason: /no val\/ folder, so validation is carved out of train\// },
    { name: 'nested one level (PetImages)', paths: ['PetImages/Cat/0.jpg', 'PetImages/Dog/0.jpg', 'readme.txt'], status: 'found', kind: 'class-folders', root: 'PetImages', classes: ['Cat', 'Dog'] },
    { name: 'nested two levels', paths: ['archive/hymenoptera_data/train/ants/1.jpg', 'archive/hymenoptera_data/train/bees/1.jpg', 'archive/hymenoptera_data/val/ants/2.jpg'], status: 'found', kind: 'split-folders', root: 'archive/hymenoptera_data' },
    { name: 'empty class folder is noted, not a class', paths: ['a/1.jpg', 'b/1.jpg', 'c/'], status: 'found', classes: ['a', 'b'], notes: ['empty-class'] },
    { name: 'two datasets side by side', paths: ['one/a/1.jpg', 'one/b/1.jpg', 'two/x/1.jpg', 'two/y/1.jpg', 'two/y/2.jpg'], status: 'ambiguous', message: /two \(class-folders\)[\s\S]*one \(class-folders\)/ },
    { name: 'loose Kaggle names beside class folders', paths: ['cat.1.jpg', 'dog.1.jpg', 'cat.2.jpg', 'a/1.jpg', 'b/1.jpg'], status: 'ambiguous' },
    { name: 'one class only', paths: ['cats/1.jpg', 'cats/2.jpg'], status: 'none', message: /only one class, "cats"/ },
    { name: 'camera roll', paths: ['IMG_0001.jpg', 'IMG_0002.jpg', 'DSC_0003.jpg'], status: 'none', message: /3 images, but not in a layout/ },
    { name: 'no images', paths: ['notes.txt', 'docs/a.md'], status: 'none', message: /No images found/ },
    { name: 'too deep', paths: ['a/b/c/x/1.jpg', 'a/b/c/y/1.jpg'], status: 'none' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = detectLayout(treeOf(c.paths));
      assert.equal(r.status, c.status, JSON.stringify(r.status === 'found' ? r.layout.reason : r));
      if (r.status === 'found') {
        const l = r.layout;
        if (c.kind) assert.equal(l.kind, c.kind);
        if (c.root !== undefined) assert.equal(l.root, c.root);
        if (c.classes) assert.deepEqual(l.classes, c.classes);
        if (c.reason) assert.match(l.reason, c.reason);
        if (c.splits) {
          const got: Record<string, number> = {};
          for (const i of l.items) got[i.split ?? 'none'] = (got[i.split ?? 'none'] ?? 0) + 1;
          assert.deepEqual(got, c.splits);
        }
        for (const code of c.notes ?? []) assert.ok(l.notes.some((n) => n.code === code), `expected note ${code}: ${JSON.stringify(l.notes)}`);
      } else if (c.message) {
        assert.match(r.message, c.message);
      }
      if (r.status === 'none') assert.match(r.hint, /photos\/train\/cat\.1\.jpg/, 'the hint shows an example tree');
    });
  }

  it('a choice resolves an ambiguity', () => {
    const r = detectLayout(treeOf(['one/a/1.jpg', 'one/b/1.jpg', 'two/x/1.jpg', 'two/y/1.jpg']), { root: 'one' });
    assert.equal(r.status, 'found');
    assert.deepEqual(r.status === 'found' && r.layout.classes, ['a', 'b']);
  });

  it('a folder of unlabeled names with a few labeled ones is not Kaggle', () => {
    assert.equal(detectLayout(treeOf([...range(10, (i) => `${i}.jpg`), 'cat.1.jpg', 'dog.1.jpg'])).status, 'none');
  });
});

describe('findDatasetCandidates', () => {
  it('ranks datasets by image count and does not list parts of a dataset', () => {
    const tree = treeOf([
      'src/index.ts', 'media/icon.png',
      ...range(3, (i) => `data/small/a/${i}.jpg`), ...range(3, (i) => `data/small/b/${i}.jpg`),
      ...range(5, (i) => `data/big/train/x/${i}.jpg`), ...range(5, (i) => `data/big/train/y/${i}.jpg`), 'data/big/val/x/9.jpg',
      ...range(4, (i) => `downloads/train/cat.${i}.jpg`), ...range(4, (i) => `downloads/train/dog.${i}.jpg`),
    ]);
    const got = findDatasetCandidates(tree).map((c) => [c.root, c.kind, c.imageCount]);
    assert.deepEqual(got, [['data/big', 'split-folders', 11], ['downloads', 'kaggle-flat', 8], ['data/small', 'class-folders', 6]]);
  });
});

describe('walkTree', () => {
  // A fake file system: folders map to entries; ids make the symbolic-link loop visible.
  function reader(fsMap: Record<string, DirEntryInfo[]>, slow = 0): DirReader {
    return {
      join: (d, n) => `${d}/${n}`,
      identify: async (d) => (d === '/r' ? 'id:/r' : undefined),
      list: async (d) => {
        if (slow) await new Promise((r) => setTimeout(r, slow));
        const e = fsMap[d];
        if (!e) throw new Error('EACCES: permission denied');
        return e;
      },
    };
  }
  const fsMap: Record<string, DirEntryInfo[]> = {
    '/r': [{ name: 'cat', kind: 'dir', id: 'id:cat' }, { name: '.DS_Store', kind: 'file' }, { name: 'locked', kind: 'dir', id: 'id:locked' }],
    '/r/cat': [{ name: '1.jpg', kind: 'file' }, { name: 'loop', kind: 'dir', id: 'id:/r' }, { name: 'x.jpg', kind: 'dir', id: 'id:x' }, { name: 'gone.jpg', kind: 'dangling' }],
  };

  it('lists files, skips dotfiles, reports loops and unreadable folders, and lists a folder named like an image as a file', async () => {
    const w = await walkTree(reader(fsMap), '/r', { maxDepth: 5 });
    assert.deepEqual(w.tree.files, []);
    const cat = w.tree.dirs.find((d) => d.name === 'cat')!;
    assert.deepEqual(cat.files.map((f) => [f.rel, f.kind]), [['cat/1.jpg', 'file'], ['cat/gone.jpg', 'dangling'], ['cat/x.jpg', 'dir']]);
    assert.deepEqual(w.issues.map((i) => [i.code, i.rel]), [['symlink-loop', 'cat/loop'], ['unreadable-folder', 'locked']]);
    assert.match(w.issues[0].message, /links back to "\."/);
  });

  it('stops at the time budget and says so', async () => {
    let t = 0;
    const w = await walkTree(reader(fsMap), '/r', { maxDepth: 5, timeBudgetMs: 10, now: () => (t += 8) });
    assert.equal(w.truncated, true);
  });

  // cat/deep/1/2/3/4/5/6/7/8/nested.jpg, listed 8 deep: its images were dropped without a word.
  const deepMap: Record<string, DirEntryInfo[]> = {
    '/r': [{ name: 'cat', kind: 'dir' }, { name: 'dog', kind: 'dir' }],
  };
  const chain = ['cat', 'deep', '1', '2', '3', '4', '5', '6', '7', '8'];
  for (let i = 0; i < chain.length; i++) {
    const last = i === chain.length - 1;
    deepMap[`/r/${chain.slice(0, i + 1).join('/')}`] = [
      ...(i === 0 ? [{ name: 'a.jpg', kind: 'file' as const }] : []),
      last ? { name: 'nested.jpg', kind: 'file' } : { name: chain[i + 1], kind: 'dir' },
    ];
  }
  deepMap['/r/dog'] = [{ name: 'b.jpg', kind: 'file' }];

  it('names each folder it did not list, and a class\'s sub-folder listed only in part is "not used"', async () => {
    const w = await walkTree(reader(deepMap), '/r', { maxDepth: 8 });
    assert.equal(w.truncated, true);
    assert.deepEqual(w.issues.map((i) => [i.code, i.rel]), [['too-deep', 'cat/deep/1/2/3/4/5/6/7']]);
    assert.match(w.issues[0].message, /more than 8 folders deep/);
    const d = detectLayout(w.tree);
    assert.equal(d.status, 'found');
    const notes = d.status === 'found' ? d.layout.notes : [];
    const nested = notes.find((n) => n.code === 'nested-folder-ignored');
    assert.deepEqual(nested?.files, ['cat/deep']);
    // Listed deep enough, the same tree reports no limit and still names the sub-folder.
    const full = await walkTree(reader(deepMap), '/r', { maxDepth: 12 });
    assert.deepEqual(full.issues, []);
  });

  it('reports a name that is not valid UTF-8: an image as a bad-name file, anything else as an issue', async () => {
    const w = await walkTree(reader({
      '/r': [{ name: 'cat', kind: 'dir' }],
      '/r/cat': [{ name: 'caf\ufffd.jpg', kind: 'bad-name' }, { name: 'dir\ufffd', kind: 'bad-name' }],
    }), '/r', { maxDepth: 5 });
    assert.deepEqual(w.tree.dirs[0].files.map((f) => [f.rel, f.kind]), [['cat/caf\ufffd.jpg', 'bad-name']]);
    assert.deepEqual(w.issues.map((i) => [i.code, i.rel]), [['undecodable-name', 'cat/dir\ufffd']]);
    assert.match(w.issues[0].message, /not valid UTF-8/);
  });
});

describe('createDirReader', () => {
  // What node's fs gives for a Latin-1 "café.jpg": a dirent that says "file", under a name that opens nothing.
  const dirent = (name: string, file = true) =>
    ({ name, isFile: () => file, isDirectory: () => !file, isSymbolicLink: () => false });
  const fsOf = (exists: Set<string>): FsLike => ({
    readdir: async () => [dirent('caf\ufffd.jpg'), dirent('real\ufffd.jpg'), dirent('ok.jpg')],
    stat: async (p) => {
      if (!exists.has(p)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return { dev: 1, ino: 1, isFile: () => true, isDirectory: () => false };
    },
    lstat: async (p) => {
      if (!exists.has(p)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return {};
    },
  });

  it('tells a name Node could not decode (it does not resolve) from one that holds a real U+FFFD', async () => {
    const r = createDirReader(fsOf(new Set(['/d/real\ufffd.jpg', '/d/ok.jpg'])), (d, n) => `${d}/${n}`);
    assert.deepEqual((await r.list('/d')).map((e) => [e.name, e.kind]),
      [['caf\ufffd.jpg', 'bad-name'], ['real\ufffd.jpg', 'file'], ['ok.jpg', 'file']]);
  });
});
