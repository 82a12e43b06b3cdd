// h5wasm is an ES module whose wasm is inlined in its JavaScript and which reaches Node's built-ins through
// import.meta.url. The trainer bundles load it from dist/h5wasm.js beside them, built on its own (esbuild.mjs:
// trainerBundle, h5wasmBundle). Built with those options and run from a folder with no node_modules of its own, a
// bundle must read the real Keras file and write one: no .wasm file to ship, no import.meta left empty, and the
// 5.8 MB of h5wasm outside the bundle itself.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import type { BuildOptions } from 'esbuild';
import { ROOT, SHARED } from '../../../../fixtures/cliRun';

const KERAS_TM = path.join(SHARED, 'models/teachable_keras_h5_waste/keras_model.h5');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-keras-bundle-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

const ENTRY = `
import * as tf from '@tensorflow/tfjs';
import { loadKerasModel, readKerasWeights, writeKerasH5 } from ${JSON.stringify(path.join(ROOT, 'src/trainer/model/keras/kerasH5'))};
(async () => {
  const [source, out] = process.argv.slice(2);
  await tf.setBackend('cpu');
  const model = await loadKerasModel(tf, source);
  await writeKerasH5(tf, model, out);
  const weights = await readKerasWeights(out);
  console.log(JSON.stringify({ layers: [...weights.keys()], count: [...weights.values()].reduce((n, w) => n + w.length, 0) }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe('Keras files in the trainer bundle', () => {
  it('bundles fflate, loads h5wasm from beside the bundle, and reads and writes .h5 files', async () => {
    const esbuild = await import('esbuild');
    const { trainerBundle, h5wasmBundle } = (await import(pathToFileURL(path.join(ROOT, 'esbuild.mjs')).href)) as
      { trainerBundle: BuildOptions; h5wasmBundle: BuildOptions };
    const entry = path.join(work, 'entry.ts');
    fs.writeFileSync(entry, ENTRY);
    const outdir = path.join(work, 'dist');
    const absolute = (entries: Record<string, string>) =>
      Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, path.join(ROOT, v)]));
    await esbuild.build({ ...trainerBundle, entryPoints: [entry], outdir, sourcemap: false, logLevel: 'silent' });
    await esbuild.build({ ...h5wasmBundle, entryPoints: absolute(h5wasmBundle.entryPoints as Record<string, string>), outdir, logLevel: 'silent' });
    const bundle = path.join(outdir, 'entry.js');
    const code = fs.readFileSync(bundle, 'utf8');
    assert.doesNotMatch(code, /(require|import)\("(h5wasm|fflate)(\/[^"]*)?"\)/, 'nothing left to load from node_modules');
    assert.match(code, /import\("\.\/h5wasm\.js"\)/, 'h5wasm is loaded from beside the bundle');
    assert.ok(code.length < 1e6, `h5wasm is not inside the bundle (${code.length} bytes)`);
    // Only tfjs (external, as in the product) comes from the repository's node_modules.
    const r = spawnSync(process.execPath, [bundle, KERAS_TM, path.join(work, 'written.h5')], {
      encoding: 'utf8', cwd: work, env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') }, timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)!), { layers: ['sequential_1', 'sequential_3'], count: 263 });
  });
});
