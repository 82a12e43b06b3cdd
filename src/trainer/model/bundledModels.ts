// Backbones shipped inside the package (models/<zoo id>/), so the default one works offline on the first run.
// The folder sits at the package root: one level above dist/*.js once bundled, three above this source file (tsx).
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { ZooEntry } from '../../core/zooCatalog';
import { readModelJson, shardPaths } from './modelFiles';

const ROOTS = [path.resolve(__dirname, '..'), path.resolve(__dirname, '../../..')];

/** The bundled model.json for a zoo entry, or undefined when this entry is downloaded instead. */
export function bundledModelJson(entry: ZooEntry): string | undefined {
  if (!entry.bundledSha256) return undefined;
  for (const root of ROOTS) {
    const jsonPath = path.join(root, 'models', entry.id, 'model.json');
    if (existsSync(jsonPath)) return jsonPath;
  }
  return undefined;
}

/**
 * Checks the bundled files against the digest pinned in the zoo (model.json, then each shard in manifest order, as
 * downloads are checked): a damaged install is named, never loaded.
 */
export async function verifyBundled(entry: ZooEntry, jsonPath: string): Promise<void> {
  const hash = createHash('sha256').update(await fsp.readFile(jsonPath));
  for (const rel of shardPaths(await readModelJson(jsonPath)))
    hash.update(await fsp.readFile(path.join(path.dirname(jsonPath), rel)));
  const actual = hash.digest('hex');
  if (actual !== entry.bundledSha256) {
    throw new Error(`The bundled backbone ${path.dirname(jsonPath)} is damaged (sha256 ${actual.slice(0, 12)}…, ` +
      `expected ${entry.bundledSha256!.slice(0, 12)}…): reinstall Transfer Lab, or pick another backbone.`);
  }
}
