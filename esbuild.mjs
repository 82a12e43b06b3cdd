// Builds the bundles: the extension host, the trainer (child-process entry, CLI, forward worker, and h5wasm beside
// them), and the webview.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'info', legalComments: 'none' };

// tfjs stays external so the native engines (tfjs-node, tfjs-node-gpu) and the wasm backend share one tfjs
// instance at run time; sharp and onnxruntime-node are native (onnxruntime-common stays beside it, so both share
// one backend registry). protobufjs is plain JS and bundled: .vscodeignore leaves it out of the .vsix.
const trainerExternal = ['@tensorflow/*', 'sharp', 'onnxruntime-node', 'onnxruntime-common'];

// h5wasm (Keras .h5 files) is 5.8 MB of JavaScript with its wasm inlined. Inside the bundles every process that
// loads one would parse and hold it, Keras file or not (+27 MB RSS and +50 ms measured for `cli --help`, and each
// forward worker loads the trainer's modules too), so it is bundled once, on its own, as dist/h5wasm.js, and the
// bundles load it from beside themselves the first time a Keras file is opened (h5File.ts imports it lazily). It
// is an ES module that reaches Node's built-ins through createRequire(import.meta.url), which is empty in a CommonJS
// bundle: import.meta.url is defined as the file's own path (createRequire takes a path; h5wasm's only other use,
// finding a separate .wasm, never runs). test/unit/trainer/model/keras/kerasBundle.test.ts runs both.
const h5wasmBeside = {
  name: 'h5wasm-beside',
  setup(build) {
    build.onResolve({ filter: /^h5wasm\/node$/ }, () => ({ path: './h5wasm.js', external: true }));
  },
};

export const trainerBundle = {
  ...common, platform: 'node', target: 'node20', format: 'cjs', entryPoints: {
    trainer: 'src/trainer/main.ts', cli: 'src/trainer/cli/cli.ts',
    forwardWorker: 'src/trainer/forward/forwardWorker.ts', ortWorker: 'src/trainer/forward/ortWorker.ts',
  },
  outdir: 'dist', external: trainerExternal, banner: { js: '#!/usr/bin/env node' }, plugins: [h5wasmBeside],
};

export const h5wasmBundle = {
  ...common, sourcemap: false, platform: 'node', target: 'node20', format: 'cjs',
  entryPoints: { h5wasm: 'node_modules/h5wasm/dist/node/hdf5_hl.js' }, outdir: 'dist',
  define: { 'import.meta.url': '__filename' },
};

const builds = [
  { ...common, platform: 'node', target: 'node20', format: 'cjs', entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js', external: ['vscode'] },
  trainerBundle,
  h5wasmBundle,
  { ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: ['webview/main.ts'],
    outfile: 'media/dist/dashboard.js' },
  // Compare Runs is its own page too: overlaid curves and the settings table, without the dashboard's views.
  { ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: ['webview/compare/main.ts'],
    outfile: 'media/dist/compare.js' },
  // The prediction preview (custom editor and Classify grid) is its own page, with its own small bundle.
  { ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: ['webview/preview/main.ts'],
    outfile: 'media/dist/preview.js' },
  // Integration suites run inside the VS Code extension host, which loads CommonJS.
  { ...common, platform: 'node', target: 'node20', format: 'cjs', outdir: 'out/test/integration',
    entryPoints: ['test/integration/runTest.ts', 'test/integration/suite/index.ts',
      ...readdirSync('test/integration/suite').filter((f) => f.endsWith('.test.ts')).map((f) => `test/integration/suite/${f}`)],
    outbase: 'test/integration', external: ['vscode', 'mocha', '@vscode/test-electron'] },
];

function copyStatic() {
  mkdirSync('media/dist', { recursive: true });
  cpSync('node_modules/@vscode/codicons/dist/codicon.css', 'media/dist/codicon.css');
  cpSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'media/dist/codicon.ttf');
  cpSync('webview/dashboard.css', 'media/dist/dashboard.css');
  cpSync('webview/compare/compare.css', 'media/dist/compare.css');
  cpSync('webview/preview/preview.css', 'media/dist/preview.css');
}

// Imported (by a test, for trainerBundle and h5wasmBundle) it builds nothing.
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  copyStatic();
  if (watch) {
    for (const b of builds) await (await esbuild.context(b)).watch();
  } else {
    await Promise.all(builds.map((b) => esbuild.build(b)));
  }
}
