// Directory listings over node's fs, and the bounded scan that finds datasets in a workspace.
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { scanForDatasets, type DatasetCandidate, type WorkspaceScanOptions } from '../../core/datasetCandidates';
import { createDirReader, type DirReader } from '../../core/dirTree';

export function nodeDirReader(): DirReader {
  return createDirReader({
    readdir: (dir, options) => fsp.readdir(dir, options), stat: (p) => fsp.stat(p), lstat: (p) => fsp.lstat(p),
  }, path.join);
}

/** Datasets under `root`, largest first, found within a time budget (2 s by default). */
export function scanWorkspace(root: string, opts: WorkspaceScanOptions = {}): Promise<{ candidates: DatasetCandidate[]; truncated: boolean }> {
  return scanForDatasets(nodeDirReader(), root, opts);
}
