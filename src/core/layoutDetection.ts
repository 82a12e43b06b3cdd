// Which of the usual dataset layouts a folder holds, and why; decided on a directory listing alone, before any image
// is opened. Ambiguity is returned as candidates for the user to choose from, never guessed.
import type { DatasetFinding } from './protocol';
import { findNode, hasUnlisted, imageFilesOf, type DirTree, type TreeFile } from './dirTree';
import { isImageName, labelFromFileName, splitRoleOf } from './imageNames';

export type LayoutKind = 'kaggle-flat' | 'class-folders' | 'split-folders';
export const LAYOUT_KINDS: readonly LayoutKind[] = ['kaggle-flat', 'class-folders', 'split-folders'];
export type GivenSplit = 'train' | 'val' | 'test';

export interface LayoutItem {
  file: TreeFile;
  /** The class, or null for an unlabeled test image. */
  label: string | null;
  /** Set when the folders already say which split a file is in. */
  split?: GivenSplit;
}

export interface DetectedLayout {
  kind: LayoutKind;
  /** Where the dataset starts, relative to the scanned folder ('' when it is the folder itself). */
  root: string;
  reason: string;
  classes: string[];
  imageCount: number;
  items: LayoutItem[];
  /** Things about the layout worth telling: empty class folders, unlabeled names, ignored files. */
  notes: DatasetFinding[];
}

export type LayoutDetection =
  | { status: 'found'; layout: DetectedLayout }
  | { status: 'ambiguous'; candidates: DetectedLayout[]; message: string }
  | { status: 'none'; message: string; hint: string };

export const EXAMPLE_TREES = [
  'class folders:   photos/cat/001.jpg, photos/dog/001.jpg',
  'already split:   photos/train/cat/001.jpg, photos/val/cat/002.jpg (and optionally photos/test/)',
  'Kaggle flat:     photos/train/cat.1.jpg, photos/train/dog.1.jpg (and optionally an unlabeled photos/test/1.jpg)',
].join('\n');

const MAX_NESTING = 2;

/**
 * Detects the layout at the scanned folder, or one or two levels down (PetImages/Cat, hymenoptera_data/train/ants).
 * The shallowest level with a usable layout wins; two usable layouts at that level are ambiguous.
 * `choice` pins a root (and kind) the user picked from earlier candidates.
 */
export function detectLayout(tree: DirTree, choice?: { root?: string; kind?: LayoutKind }): LayoutDetection {
  if (choice?.root !== undefined || choice?.kind !== undefined) {
    const node = findNode(tree, choice.root ?? '');
    if (!node)
      return {
        status: 'none',
        message: `There is no folder "${choice.root}" in the dataset folder.`,
        hint: 'Pick one of the detected candidates.',
      };
    const layouts = detectAt(node).filter((l) => !choice.kind || l.kind === choice.kind);
    return decide(layouts, layouts.filter((l) => l.classes.length === 1), tree);
  }
  let frontier = [tree];
  const weak: DetectedLayout[] = [];
  for (let depth = 0; depth <= MAX_NESTING && frontier.length; depth++) {
    const layouts = frontier.flatMap(detectAt);
    const usable = layouts.filter((l) => l.classes.length >= 2);
    if (usable.length) return decide(usable, weak, tree);
    weak.push(...layouts.filter((l) => l.classes.length === 1));
    frontier = frontier.flatMap((n) => n.dirs);
  }
  return decide([], weak, tree);
}

function decide(layouts: DetectedLayout[], weak: DetectedLayout[], tree: DirTree): LayoutDetection {
  const usable = layouts.filter((l) => l.classes.length >= 2);
  if (usable.length === 1) return { status: 'found', layout: usable[0] };
  if (usable.length > 1) {
    const candidates = usable.sort((a, b) => b.imageCount - a.imageCount || (a.root < b.root ? -1 : 1));
    const list = candidates.map((c) => `  ${c.root || '.'} (${c.kind}): ${c.reason}`).join('\n');
    return { status: 'ambiguous', candidates, message: `More than one dataset layout fits:\n${list}` };
  }
  if (weak.length) {
    const w = weak[0];
    return {
      status: 'none',
      message: `Found only one class, "${w.classes[0]}" (${w.imageCount} images in ${w.root || 'the folder'}); a classifier needs at least two.`,
      hint: `Put each class in its own folder beside "${w.classes[0]}", for example:\n${EXAMPLE_TREES}`,
    };
  }
  const images = countImages(tree);
  return {
    status: 'none',
    message: images === 0
      ? 'No images found (looked for .jpg, .jpeg, .png, .gif, .webp, .avif, .tif, .bmp, .heic).'
      : `Found ${images} images, but not in a layout that says which class each one belongs to.`,
    hint: `Expected one of these layouts:\n${EXAMPLE_TREES}`,
  };
}

/** Every layout that fits at this folder, usable or not. */
export function detectAt(node: DirTree): DetectedLayout[] {
  return [trySplitFolders(node), tryKaggleFlat(node), tryClassFolders(node)].filter(
    (l): l is DetectedLayout => l !== null,
  );
}

function countImages(node: DirTree): number {
  return imageFilesOf(node).length + node.dirs.reduce((n, d) => n + countImages(d), 0);
}

const fmtClasses = (counts: Map<string, number>) => [...counts].map(([c, n]) => `${c} (${n})`).join(', ');

interface ClassFolders { classes: Map<string, DirTree>; notes: DatasetFinding[] }

/** Child folders that hold images directly. Folders where most files aren't images are not classes. */
function classFoldersOf(node: DirTree, skip: (d: DirTree) => boolean): ClassFolders {
  const classes = new Map<string, DirTree>();
  const notes: DatasetFinding[] = [];
  for (const d of node.dirs) {
    if (skip(d)) continue;
    const images = imageFilesOf(d).length;
    const others = d.files.length - images;
    if (images > 0 && images >= others) {
      classes.set(d.name, d);
      // A sub-folder the walk did not finish (too deep) may hold images too: it is named here, not left unsaid.
      const nested = d.dirs.filter((s) => countImages(s) > 0 || hasUnlisted(s));
      if (nested.length) {
        notes.push({
          code: 'nested-folder-ignored', severity: 'warning', files: nested.map((s) => s.rel),
          message: `Images in sub-folders of class "${d.name}" are not used: ${nested.map((s) => s.rel).join(', ')}.`,
          hint: 'Move them up into the class folder if they belong to that class.',
        });
      }
    } else if (images === 0 && d.files.length === 0 && d.dirs.length === 0) {
      notes.push({
        code: 'empty-class', severity: 'warning', files: [d.rel],
        message: `Folder "${d.rel}" is empty, so it is not used as a class.`,
        hint: 'Add images to it, or remove it.',
      });
    }
  }
  return { classes, notes };
}

function ignoredFilesNote(files: TreeFile[]): DatasetFinding[] {
  const others = files.filter((f) => !isImageName(f.name));
  if (!others.length) return [];
  const shown = others.slice(0, 5).map((f) => f.rel).join(', ');
  return [
    {
      code: 'ignored-files',
      severity: 'info',
      files: others.map((f) => f.rel),
      message: `${others.length === 1 ? '1 file is not an image and is' : `${others.length} files are not images and are`} ignored: ${shown}${others.length > 5 ? ', …' : ''}.`,
    },
  ];
}

function testItems(dir: DirTree | undefined): { items: LayoutItem[]; labeled: boolean } {
  if (!dir) return { items: [], labeled: false };
  const folders = classFoldersOf(dir, () => false).classes;
  if (folders.size > 0) {
    const items = [...folders].flatMap(([c, d]) =>
      imageFilesOf(d).map((file) => ({ file, label: c, split: 'test' as const })),
    );
    return { items, labeled: true };
  }
  return { items: imageFilesOf(dir).map((file) => ({ file, label: null, split: 'test' as const })), labeled: false };
}

function strayClassNote(dir: DirTree, train: DirTree, strays: string[]): DatasetFinding[] {
  if (!strays.length) return [];
  const many = strays.length > 1;
  return [
    {
      code: 'class-not-in-train',
      severity: 'warning',
      files: strays.map((c) => `${dir.rel}/${c}`),
      message: `${dir.rel}/ has class folder${many ? 's' : ''} ${strays.map((c) => `"${c}"`).join(', ')} that ${train.rel}/ lacks; ${many ? 'they are' : 'it is'} not used.`,
      hint: `Add a ${train.rel}/${strays[0]}/ folder with training images, or rename it to match a class in ${train.rel}/.`,
    },
  ];
}

function trySplitFolders(node: DirTree): DetectedLayout | null {
  const train = node.dirs.find((d) => splitRoleOf(d.name) === 'train');
  if (!train) return null;
  const { classes, notes } = classFoldersOf(train, () => false);
  if (classes.size === 0) return null;
  const val = node.dirs.find((d) => splitRoleOf(d.name) === 'val');
  const test = node.dirs.find((d) => splitRoleOf(d.name) === 'test');
  const items: LayoutItem[] = [];
  const counts = new Map<string, number>();
  for (const [c, d] of [...classes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const files = imageFilesOf(d);
    counts.set(c, files.length);
    items.push(...files.map((file) => ({ file, label: c, split: 'train' as const })));
  }
  if (val) {
    const own = classFoldersOf(val, () => false);
    notes.push(...own.notes, ...strayClassNote(val, train, [...own.classes.keys()].filter((c) => !classes.has(c))));
    for (const [c, d] of own.classes) {
      if (classes.has(c)) items.push(...imageFilesOf(d).map((file) => ({ file, label: c, split: 'val' as const })));
    }
  }
  const t = testItems(test);
  if (test) {
    const strays = [...new Set(t.items.map((i) => i.label))].filter((c): c is string => c !== null && !classes.has(c));
    notes.push(...strayClassNote(test, train, strays));
    items.push(...t.items.filter((i) => i.label === null || classes.has(i.label)));
  }
  const valNote = val
    ? `${val.rel}/ is kept as the validation set`
    : `there is no val/ folder, so validation is carved out of ${train.rel}/`;
  const testNote = test ? `; ${test.rel}/ is kept as ${t.labeled ? 'a labeled' : 'an unlabeled'} test set` : '';
  for (const d of [node, train, ...(val ? [val] : []), ...classes.values()]) notes.push(...ignoredFilesNote(d.files));
  return {
    kind: 'split-folders',
    root: node.rel,
    classes: [...counts.keys()],
    items,
    imageCount: items.length,
    reason: `already split: ${train.rel}/ has ${classes.size} class folder${classes.size > 1 ? 's' : ''} (${fmtClasses(counts)}); ${valNote}${testNote}`,
    notes,
  };
}

function tryKaggleFlat(node: DirTree): DetectedLayout | null {
  const train = node.dirs.find((d) => splitRoleOf(d.name) === 'train');
  const area = train && imageFilesOf(train).length > 0 ? train : node;
  const images = imageFilesOf(area);
  if (images.length < 2) return null;
  const labeled = images.map((file) => ({ file, label: labelFromFileName(file.name) }));
  const counts = new Map<string, number>();
  for (const { label } of labeled) if (label) counts.set(label, (counts.get(label) ?? 0) + 1);
  const unlabeled = labeled.filter((l) => !l.label).map((l) => l.file);
  // Mostly labelled names, or it is a folder of photo numbers that only happens to contain a few words.
  if (counts.size === 0 || unlabeled.length > images.length * 0.2) return null;
  const testDir = (area === node ? node.dirs : [...node.dirs, ...(train?.dirs ?? [])]).find(
    (d) => splitRoleOf(d.name) === 'test' && imageFilesOf(d).length > 0,
  );
  const tests = testDir ? imageFilesOf(testDir).map((file) => ({ file, label: null, split: 'test' as const })) : [];
  const notes: DatasetFinding[] = [...ignoredFilesNote(area.files)];
  if (unlabeled.length) {
    notes.push({
      code: 'unlabeled-name',
      severity: 'warning',
      files: unlabeled.map((f) => f.rel),
      message: `${unlabeled.length} image${unlabeled.length > 1 ? 's' : ''} in ${area.rel || 'the folder'} ${unlabeled.length > 1 ? 'have' : 'has'} no label in the name and ${unlabeled.length > 1 ? 'are' : 'is'} skipped: ${unlabeled
        .slice(0, 5)
        .map((f) => f.rel)
        .join(', ')}${unlabeled.length > 5 ? ', …' : ''}.`,
      hint: 'Name them like the others (for example cat.123.jpg), or move them into the test folder.',
    });
  }
  const sorted = new Map([...counts].sort(([a], [b]) => (a < b ? -1 : 1)));
  const where = area.rel ? `${area.rel}/` : 'the folder';
  const examples = [...sorted.keys()].slice(0, 3).map((c) => labeled.find((l) => l.label === c)?.file.name).join(', ');
  return {
    kind: 'kaggle-flat',
    root: node.rel,
    classes: [...sorted.keys()],
    items: [...labeled.filter((l) => l.label).map((l) => ({ file: l.file, label: l.label })), ...tests],
    imageCount: images.length - unlabeled.length + tests.length,
    reason:
      `Kaggle-style flat folder: labels taken from the file names in ${where} (${fmtClasses(sorted)}; e.g. ${examples})` +
      (testDir ? `; the ${tests.length} images in ${testDir.rel}/ are unlabeled and carried over as the test set` : ''),
    notes,
  };
}

function tryClassFolders(node: DirTree): DetectedLayout | null {
  const roles = node.dirs.map((d) => splitRoleOf(d.name));
  // train/ or val/ beside other folders means a split layout or a Kaggle one, which the other detectors judge.
  if (roles.some((r) => r === 'train' || r === 'val')) return null;
  const test = node.dirs.find((d) => splitRoleOf(d.name) === 'test');
  const { classes, notes } = classFoldersOf(node, (d) => d === test);
  if (classes.size === 0) return null;
  const items: LayoutItem[] = [];
  const counts = new Map<string, number>();
  for (const [c, d] of [...classes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const files = imageFilesOf(d);
    counts.set(c, files.length);
    items.push(...files.map((file) => ({ file, label: c })));
  }
  const t = testItems(test);
  items.push(...t.items.filter((i) => i.label === null || classes.has(i.label)));
  const loose = imageFilesOf(node);
  if (loose.length) {
    notes.push({
      code: 'loose-images',
      severity: 'warning',
      files: loose.map((f) => f.rel),
      message: `${loose.length} image${loose.length > 1 ? 's' : ''} directly in ${node.rel || 'the dataset folder'} ${loose.length > 1 ? 'are' : 'is'} not in a class folder and ${loose.length > 1 ? 'are' : 'is'} skipped: ${loose
        .slice(0, 5)
        .map((f) => f.rel)
        .join(', ')}${loose.length > 5 ? ', …' : ''}.`,
      hint: 'Move each into the folder of its class.',
    });
  }
  for (const d of classes.values()) notes.push(...ignoredFilesNote(d.files));
  notes.push(...ignoredFilesNote(node.files));
  return {
    kind: 'class-folders',
    root: node.rel,
    classes: [...counts.keys()],
    items,
    imageCount: items.length,
    reason:
      `class folders: ${classes.size} folder${classes.size > 1 ? 's' : ''} of images (${fmtClasses(counts)})` +
      (test
        ? `; ${test.rel}/ is ${t.labeled ? 'a labeled' : 'an unlabeled'} test set (${t.items.length} images), carried over`
        : ''),
    notes,
  };
}
