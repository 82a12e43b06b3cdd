// The directory reader over node's fs that the prepare job lists folders with. Finding datasets in a workspace is
// the extension's (datasetPicks.ts, over the same createDirReader), so the trainer keeps only the reader.
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { createDirReader, type DirReader } from '../../core/dirTree';

export function nodeDirReader(): DirReader {
  return createDirReader({
    readdir: (dir, options) => fsp.readdir(dir, options), stat: (p) => fsp.stat(p), lstat: (p) => fsp.lstat(p),
  }, path.join);
}
