// A directory listing as plain data, built breadth-first through an injected reader so that this stays pure:
// the trainer passes node's fs, and the extension can pass the same (it may not import the trainer).
import { isIgnoredName, isImageName, mayBeUndecodableName, SKIPPED_FOLDERS, UNDECODABLE_NAME } from './imageNames';

/**
 * 'dangling': a symbolic link to nothing (or to itself); 'dir': a folder, listed among files when named like an image;
 * 'bad-name': a name that is not valid UTF-8, which the reader cannot open by the name it was given (see imageNames).
 */
export type EntryKind = 'file' | 'dir' | 'dangling' | 'other' | 'bad-name';

export interface DirEntryInfo {
  name: string;
  kind: EntryKind;
  /** For folders: the identity of the real folder (device:inode), which is how symbolic-link loops are caught. */
  id?: string;
}

export interface DirReader {
  list(dir: string): Promise<DirEntryInfo[]>;
  identify(dir: string): Promise<string | undefined>;
  join(dir: string, name: string): string;
}

export interface TreeFile {
  name: string;
  /** Relative to the walked root, with '/' on every platform. */
  rel: string;
  /** The reader's own handle (an absolute path for node's fs). */
  path: string;
  kind: EntryKind;
}

export interface DirTree {
  name: string;
  rel: string;
  path: string;
  files: TreeFile[];
  dirs: DirTree[];
  /** Not listed: it lies deeper than the walk's maxDepth, so what it holds is unknown (and reported as 'too-deep'). */
  unlisted?: boolean;
}

export interface TreeIssue {
  code: 'symlink-loop' | 'unreadable-folder' | 'undecodable-name' | 'too-deep';
  rel: string;
  message: string;
}

export interface WalkResult {
  tree: DirTree;
  issues: TreeIssue[];
  /** True when a limit (depth, entries or time) stopped the walk early. */
  truncated: boolean;
  entries: number;
}

export interface WalkLimits {
  maxDepth: number;
  maxEntries?: number;
  /** Milliseconds the walk may take; checked between folders. */
  timeBudgetMs?: number;
  now?: () => number;
  /** Skip node_modules and friends: right for a workspace scan, wrong for a folder the user picked. */
  skipToolFolders?: boolean;
}

export const relJoin = (rel: string, name: string): string => (rel ? `${rel}/${name}` : name);

export async function walkTree(reader: DirReader, root: string, limits: WalkLimits): Promise<WalkResult> {
  const now = limits.now ?? Date.now;
  const deadline = limits.timeBudgetMs === undefined ? Infinity : now() + limits.timeBudgetMs;
  const maxEntries = limits.maxEntries ?? Infinity;
  const tree: DirTree = { name: '', rel: '', path: root, files: [], dirs: [] };
  const issues: TreeIssue[] = [];
  const seen = new Map<string, string>();
  const rootId = await reader.identify(root);
  if (rootId) seen.set(rootId, '');
  let entries = 0;
  let truncated = false;
  const queue: { node: DirTree; depth: number }[] = [{ node: tree, depth: 0 }];
  for (let q = 0; q < queue.length; q++) {
    const { node, depth } = queue[q];
    if (entries >= maxEntries || now() > deadline) {
      truncated = true;
      break;
    }
    let listed: DirEntryInfo[];
    try {
      listed = await reader.list(node.path);
    } catch (e) {
      issues.push({
        code: 'unreadable-folder',
        rel: node.rel,
        message: `Cannot list folder "${node.rel || '.'}": ${(e as Error).message}`,
      });
      continue;
    }
    listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of listed) {
      if (isIgnoredName(entry.name)) continue;
      entries++;
      const rel = relJoin(node.rel, entry.name);
      const path = reader.join(node.path, entry.name);
      // A file named like an image is reported by the scan, with the images; anything else (a folder, notes.txt)
      // would otherwise read as "not an image" or vanish, when the trouble is its name.
      if (entry.kind === 'bad-name' && !isImageName(entry.name)) {
        issues.push({ code: 'undecodable-name', rel, message: `Skipped "${rel}": ${UNDECODABLE_NAME}.` });
        continue;
      }
      // A folder named like an image is listed as a file so that it is reported, not silently descended into.
      if (entry.kind !== 'dir' || isImageName(entry.name)) {
        node.files.push({ name: entry.name, rel, path, kind: entry.kind });
        continue;
      }
      if (limits.skipToolFolders && SKIPPED_FOLDERS.has(entry.name.toLowerCase())) continue;
      if (entry.id !== undefined) {
        const earlier = seen.get(entry.id);
        if (earlier !== undefined) {
          const loop = rel.startsWith(earlier === '' ? '' : `${earlier}/`);
          issues.push({
            code: 'symlink-loop',
            rel,
            message: loop
              ? `Skipped "${rel}": it links back to "${earlier || '.'}", a folder that contains it (a symbolic-link loop).`
              : `Skipped "${rel}": it is the same folder as "${earlier || '.'}" (reached twice through a link).`,
          });
          continue;
        }
        seen.set(entry.id, rel);
      }
      const child: DirTree = { name: entry.name, rel, path, files: [], dirs: [] };
      node.dirs.push(child);
      if (depth + 1 <= limits.maxDepth) queue.push({ node: child, depth: depth + 1 });
      else {
        // Said out loud: images below here are not seen at all, and a silent limit reads as "not there".
        truncated = true;
        child.unlisted = true;
        issues.push({
          code: 'too-deep', rel,
          message: `Did not look inside "${rel}": it is more than ${limits.maxDepth} folders deep.`,
        });
      }
    }
  }
  return { tree, issues, truncated, entries };
}

export function findNode(tree: DirTree, rel: string): DirTree | undefined {
  if (rel === '' || rel === '.') return tree;
  let node: DirTree | undefined = tree;
  for (const part of rel.split('/')) {
    node = node?.dirs.find((d) => d.name === part);
    if (!node) return undefined;
  }
  return node;
}

export function imageFilesOf(node: DirTree): TreeFile[] {
  return node.files.filter((f) => isImageName(f.name));
}

/** Whether the walk stopped somewhere inside this folder (its depth limit), so it may hold more than it lists. */
export function hasUnlisted(node: DirTree): boolean {
  return node.unlisted === true || node.dirs.some(hasUnlisted);
}

/** Structural stand-ins for node's fs/promises and path, so the extension and the trainer share one reader. */
export interface FsLike {
  readdir(
    dir: string,
    options: { withFileTypes: true },
  ): Promise<{ name: string; isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }[]>;
  stat(path: string): Promise<{ dev: number; ino: number; isFile(): boolean; isDirectory(): boolean }>;
  /** Tells a name that is not valid UTF-8 from a broken link whose name holds a real U+FFFD; stat stands in without. */
  lstat?(path: string): Promise<unknown>;
}

export function createDirReader(fs: FsLike, join: (dir: string, name: string) => string): DirReader {
  const identify = async (p: string) => {
    try {
      const s = await fs.stat(p);
      return `${s.dev}:${s.ino}`;
    } catch {
      return undefined;
    }
  };
  const resolves = (p: string) => (fs.lstat ? fs.lstat(p) : fs.stat(p)).then(() => true, () => false);
  return {
    join,
    identify,
    async list(dir) {
      const dirents = await fs.readdir(dir, { withFileTypes: true });
      const out: DirEntryInfo[] = [];
      for (const d of dirents) {
        if (isIgnoredName(d.name)) continue;
        // readdir's file type comes with the entry, so a name Node mangled still says "file"; only opening it fails.
        if (mayBeUndecodableName(d.name) && !(await resolves(join(dir, d.name)))) {
          out.push({ name: d.name, kind: 'bad-name' });
          continue;
        }
        if (d.isFile()) out.push({ name: d.name, kind: 'file' });
        else if (d.isDirectory()) out.push({ name: d.name, kind: 'dir', id: await identify(join(dir, d.name)) });
        else if (d.isSymbolicLink()) {
          try {
            const s = await fs.stat(join(dir, d.name));
            if (s.isDirectory()) out.push({ name: d.name, kind: 'dir', id: `${s.dev}:${s.ino}` });
            else out.push({ name: d.name, kind: s.isFile() ? 'file' : 'other' });
          } catch {
            out.push({ name: d.name, kind: 'dangling' });
          }
        } else out.push({ name: d.name, kind: 'other' });
      }
      return out;
    },
  };
}
