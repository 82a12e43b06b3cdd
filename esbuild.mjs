// Builds the three bundles: the extension host, the trainer (child-process entry and CLI), and the webview.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'info', legalComments: 'none' };

// tfjs stays external so the native engines (tfjs-node, tfjs-node-gpu) and the wasm backend share one tfjs
// instance at run time; sharp and onnxruntime-node are native (onnxruntime-common stays beside it, so both share
// one backend registry). protobufjs is plain JS and bundled: .vscodeignore leaves it out of the .vsix.
const trainerExternal = ['@tensorflow/*', 'sharp', 'onnxruntime-node', 'onnxruntime-common'];

const builds = [
  { ...common, platform: 'node', target: 'node20', format: 'cjs', entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js', external: ['vscode'] },
  { ...common, platform: 'node', target: 'node20', format: 'cjs', entryPoints: {
      trainer: 'src/trainer/main.ts', cli: 'src/trainer/cli/cli.ts',
      forwardWorker: 'src/trainer/forward/forwardWorker.ts',
    },
    outdir: 'dist', external: trainerExternal, banner: { js: '#!/usr/bin/env node' } },
  { ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: ['webview/main.ts'],
    outfile: 'media/dist/dashboard.js' },
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
}

copyStatic();
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
