// What counts as an image, what is silently ignored, and how Kaggle-style file names carry labels.

/** Extensions treated as images. BMP and HEIC are listed so they are reported as unsupported instead of vanishing. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.gif', '.webp', '.avif', '.tif', '.tiff', '.bmp', '.heic', '.heif',
]);

/** OS and tool droppings that are never part of a dataset and never worth a message. */
const SYSTEM_NAMES: ReadonlySet<string> = new Set([
  'thumbs.db',
  'desktop.ini',
  'ehthumbs.db',
  '__macosx',
  '$recycle.bin',
  'system volume information',
  'icon\r',
]);

/** Folders a workspace scan never descends into: they are large and never hold a user's dataset. */
export const SKIPPED_FOLDERS: ReadonlySet<string> = new Set([
  'node_modules',
  '__pycache__',
  'site-packages',
  'venv',
  'bower_components',
]);

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

export function stemOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extensionOf(name));
}

/** Dotfiles (.DS_Store, ._cat.jpg AppleDouble files), Thumbs.db, desktop.ini, __MACOSX. */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || SYSTEM_NAMES.has(name.toLowerCase());
}

// Camera and export prefixes: IMG_0001.jpg and DSC_0002.jpg are photo numbers, not the labels "IMG" and "DSC".
const CAMERA_PREFIXES: ReadonlySet<string> = new Set([
  'img',
  'image',
  'images',
  'dsc',
  'dscn',
  'dscf',
  'pxl',
  'photo',
  'pic',
  'picture',
  'screenshot',
  'scan',
  'vid',
  'mvimg',
  'frame',
  'file',
  'untitled',
  'sam',
  'gopr',
  'wp',
  'dji',
  'pano',
  'snapshot',
  'capture',
  'shot',
  'test',
  'train',
]);

const LABELLED_NAME = /^([\p{L}][\p{L}_ -]*?)[._ -]*\d+$/u;

/**
 * The label a Kaggle-style name carries: cat.1.jpg → cat, dog001.jpg → dog, golden_retriever_12.png → golden_retriever.
 * Case is kept (Oxford-IIIT Pets uses it to tell cats from dogs). Plain numbers (1.jpg) and camera names give null.
 */
export function labelFromFileName(name: string): string | null {
  const match = LABELLED_NAME.exec(stemOf(name));
  if (!match) return null;
  const label = match[1].replace(/[._ -]+$/, '');
  if (label.length < 2 || CAMERA_PREFIXES.has(label.toLowerCase())) return null;
  return label;
}

const TRAIN_NAMES = /^(train|training)$/i;
const VAL_NAMES = /^(val|valid|validation|dev)$/i;
const TEST_NAMES = /^(test|test1|testing)$/i;

export type FolderRole = 'train' | 'val' | 'test' | null;

/** Folder names that mean a split rather than a class. */
export function splitRoleOf(folderName: string): FolderRole {
  if (TRAIN_NAMES.test(folderName)) return 'train';
  if (VAL_NAMES.test(folderName)) return 'val';
  if (TEST_NAMES.test(folderName)) return 'test';
  return null;
}

/**
 * Node reads a file name that is not valid UTF-8 (Latin-1 "café.jpg" from an old archive) with each bad byte turned
 * into U+FFFD, and that string then names no file: opening it fails as if the file were missing. A name with U+FFFD
 * is only a suspect (the character is legal in a UTF-8 name); a caller confirms by finding that it does not resolve.
 */
export const mayBeUndecodableName = (name: string): boolean => name.includes('\uFFFD');

/** Why such a file is skipped, for messages that name it (in place of "missing" or "a broken link"). */
export const UNDECODABLE_NAME = 'its name is not valid UTF-8 (an old archive or another system\'s encoding; ' +
  '\uFFFD marks the bytes that are not), so it cannot be opened by that name';

export const UNDECODABLE_NAME_HINT = 'Rename it to a UTF-8 name (a file manager will do; on Linux, ' +
  '`convmv -f latin1 -t utf8 --notest -r <folder>` converts a folder of Latin-1 names), then prepare again.';
