// Finding datasets in a workspace: every folder (a few levels deep) where a layout with at least two classes fits,
// ranked by image count. The walk that feeds this is bounded in time, so a huge workspace answers quickly.
import { walkTree, type DirReader, type DirTree, type WalkResult } from './dirTree';
import { detectAt, detectLayout, type LayoutDetection, type LayoutKind } from './layoutDetection';

export interface DatasetCandidate {
  /** Relative to the scanned folder, with '/' ('' = the folder itself). */
  root: string;
  /** The reader's handle for the root (an absolute path with node's fs). */
  path: string;
  kind: LayoutKind;
  reason: string;
  classes: string[];
  imageCount: number;
}

export const CANDIDATE_DEPTH = 4;

export function findDatasetCandidates(tree: DirTree, maxDepth = CANDIDATE_DEPTH): DatasetCandidate[] {
  const out: DatasetCandidate[] = [];
  const visit = (node: DirTree, depth: number) => {
    const fits = detectAt(node).filter((l) => l.classes.length >= 2);
    if (fits.length) {
      for (const l of fits)
        out.push({
          root: l.root,
          path: node.path,
          kind: l.kind,
          reason: l.reason,
          classes: l.classes,
          imageCount: l.imageCount,
        });
      // What lies below a dataset belongs to it (hymenoptera_data/train is part of hymenoptera_data).
      return;
    }
    if (depth < maxDepth) for (const d of node.dirs) visit(d, depth + 1);
  };
  visit(tree, 0);
  return out.sort((a, b) => b.imageCount - a.imageCount || (a.root < b.root ? -1 : a.root > b.root ? 1 : 0));
}

/** Deep enough for PetImages/Cat and archive/hymenoptera_data/train/ants, shallow enough to stay quick on a home folder. */
export const LIST_DEPTH = 8;

/**
 * Lists a folder the user picked and detects its layout: what the prepare job does first, and what the extension can
 * call itself (with createDirReader over node's fs) to offer a QuickPick when the answer is ambiguous.
 */
export async function detectLayoutIn(
  reader: DirReader, folder: string, choice?: { root?: string; kind?: LayoutKind },
): Promise<{ detection: LayoutDetection; walk: WalkResult }> {
  const walk = await walkTree(reader, folder, { maxDepth: LIST_DEPTH });
  return { detection: detectLayout(walk.tree, choice), walk };
}

export interface WorkspaceScanOptions {
  /** Levels below the workspace folder where a dataset may start. */
  maxDepth?: number;
  /** Stop listing after this long; what was found so far is still ranked and returned. */
  timeBudgetMs?: number;
  maxEntries?: number;
}

/** Datasets in a workspace, largest first; `truncated` says a limit cut the search short. */
export async function scanForDatasets(
  reader: DirReader, root: string, opts: WorkspaceScanOptions = {},
): Promise<{ candidates: DatasetCandidate[]; truncated: boolean }> {
  const maxDepth = opts.maxDepth ?? CANDIDATE_DEPTH;
  // Two levels more than where a dataset may start: class folders sit below it, and split folders one more.
  const walk = await walkTree(reader, root, {
    maxDepth: maxDepth + 2,
    timeBudgetMs: opts.timeBudgetMs ?? 2000,
    maxEntries: opts.maxEntries ?? 200_000,
    skipToolFolders: true,
  });
  return { candidates: findDatasetCandidates(walk.tree, maxDepth), truncated: walk.truncated };
}
