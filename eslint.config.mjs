// Lint, including the one-way layer rule: vscode only in src/extension; tfjs and sharp only in src/trainer, ONNX
// Runtime only in src/trainer/engine;
// src/core imports only itself; the webview imports only the protocol types from src/core.
import tseslint from 'typescript-eslint';

const vscodeOnlyInExtension = { name: 'vscode', message: 'Only src/extension may import vscode (see docs/architecture.md).' };
const computeOnlyInTrainer = [
  { group: ['@tensorflow/*'], message: 'Only src/trainer may import tfjs (see docs/architecture.md).' },
  { group: ['sharp'], message: 'Only src/trainer may import sharp (see docs/architecture.md).' },
  { group: ['onnxruntime-*'], message: 'Only src/trainer/engine may load ONNX Runtime (see docs/architecture.md).' },
];
// Inside the trainer, ONNX Runtime (an optional native addon) is loaded in one place, engine/ortEngine.ts, which turns
// every way it can fail into a reason; everything else uses the types and the session it hands out.
const ortOnlyInEngine = { group: ['onnxruntime-*'], message: computeOnlyInTrainer[2].message };
const restrict = (paths, patterns) => ['error', { paths, patterns }];
const trainerNotExtension = {
  group: ['../extension/*', '../../extension/*', '../../../extension/*'], message: 'src/trainer must not depend on src/extension.',
};
// The trainer's folders, lowest first, with what each may import (besides src/core). main.ts and cli/cli.ts are the
// two entry points on top.
const TRAINER_FOLDERS = {
  runtime: [],
  engine: ['runtime'],
  images: ['runtime'],
  runs: ['runtime', 'images'],
  prepare: ['runtime', 'images'],
  model: ['runtime', 'engine', 'runs'],
  forward: ['runtime', 'engine', 'images', 'runs', 'model'],
  explain: ['runtime', 'engine', 'images', 'runs', 'model', 'forward'],
  features: ['runtime', 'engine', 'images', 'model', 'forward'],
  training: ['runtime', 'engine', 'images', 'runs', 'model', 'forward', 'features'],
  guidance: ['runtime', 'engine', 'images', 'runs', 'model', 'forward', 'features', 'training'],
  jobs: ['runtime', 'engine', 'images', 'runs', 'prepare', 'model', 'forward', 'explain', 'features', 'training', 'guidance'],
  cli: ['runtime', 'runs', 'jobs'],
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'media/dist/**', 'node_modules/**', '.vscode-test/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': restrict([vscodeOnlyInExtension], computeOnlyInTrainer),
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([vscodeOnlyInExtension], [
        ...computeOnlyInTrainer,
        { group: ['node:*', '../extension/*', '../trainer/*', '../../*'],
          message: 'src/core is pure: it imports only itself.' },
      ]),
    },
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([], [...computeOnlyInTrainer, {
        group: ['../trainer/*', '../../trainer/*', '../../../trainer/*'],
        message: 'src/extension talks to the trainer over the protocol, never by import.',
      }]),
    },
  },
  {
    files: ['src/trainer/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([vscodeOnlyInExtension], [trainerNotExtension]),
    },
  },
  // Inside the trainer, folders depend one way (docs/architecture.md): each may import only the folders below it.
  ...Object.entries(TRAINER_FOLDERS).map(([folder, allowed]) => ({
    files: [`src/trainer/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': restrict([vscodeOnlyInExtension], [
        trainerNotExtension,
        ...(folder === 'engine' ? [] : [ortOnlyInEngine]),
        ...Object.keys(TRAINER_FOLDERS).filter((f) => f !== folder && !allowed.includes(f)).map((f) => ({
          // `../../${f}` from a subfolder (training/callbacks/); from a folder itself it would name src/${f}, which
          // does not exist.
          group: [`../${f}`, `../${f}/*`, `../../${f}`, `../../${f}/*`],
          message: `src/trainer/${folder} may import only ${allowed.join(', ') || 'src/core'} (see docs/architecture.md).`,
        })),
      ]),
    },
  })),
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([vscodeOnlyInExtension], [
        ...computeOnlyInTrainer,
        { group: ['../src/extension/*', '../src/trainer/*'], message: 'The webview may import only the protocol types from src/core.' },
      ]),
    },
  },
  {
    // Harness scripts that code-server's tooling runs as plain CommonJS.
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Integration suites run inside VS Code and test the extension; benches and tests drive the trainer.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
