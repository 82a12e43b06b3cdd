// Where the benches find the built CLI and the shared data and models (TL_SHARED overrides ../shared).
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist/cli.js');
export const SHARED = process.env.TL_SHARED ?? path.resolve(ROOT, '../shared');
export const TEACHABLE = path.join(SHARED, 'models/mobilenet_v2_0.35_224_teachable');
export const DOGS_VS_CATS = path.join(SHARED, 'data/dogs-vs-cats');
