// The one-way layer rule is enforced by ESLint: prove it fails on a violating file.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rule', () => {
  const table: { file: string; code: string; blocked: boolean }[] = [
    { file: 'src/core/bad.ts', code: "import * as vscode from 'vscode';\nexport const x = vscode;\n", blocked: true },
    { file: 'src/core/bad.ts', code: "import * as tf from '@tensorflow/tfjs';\nexport const x = tf;\n", blocked: true },
    { file: 'src/core/bad.ts', code: "import * as fs from 'node:fs';\nexport const x = fs;\n", blocked: true },
    { file: 'src/trainer/bad.ts', code: "import * as vscode from 'vscode';\nexport const x = vscode;\n", blocked: true },
    { file: 'src/extension/bad.ts', code: "import sharp from 'sharp';\nexport const x = sharp;\n", blocked: true },
    { file: 'webview/bad.ts', code: "import * as vscode from 'vscode';\nexport const x = vscode;\n", blocked: true },
    { file: 'src/extension/ok.ts', code: "import * as vscode from 'vscode';\nexport const x = vscode;\n", blocked: false },
    { file: 'src/trainer/ok.ts', code: "import * as tf from '@tensorflow/tfjs';\nexport const x = tf;\n", blocked: false },
    // Trainer folders depend one way: a model may not reach up into the jobs, a job may not reach the CLI.
    { file: 'src/trainer/model/bad.ts', code: "import { trainJob } from '../jobs/train';\nexport const x = trainJob;\n", blocked: true },
    { file: 'src/trainer/jobs/bad.ts', code: "import { commands } from '../cli/commands';\nexport const x = commands;\n", blocked: true },
    { file: 'src/trainer/images/bad.ts', code: "import { loadBackbone } from '../model/backbone';\nexport const x = loadBackbone;\n", blocked: true },
    { file: 'src/trainer/jobs/ok.ts', code: "import { loadBackbone } from '../model/backbone';\nexport const x = loadBackbone;\n", blocked: false },
    { file: 'src/extension/commands/bad.ts', code: "import { trainJob } from '../../trainer/jobs/train';\nexport const x = trainJob;\n", blocked: true },
    { file: 'src/core/jobs/bad.ts', code: "import { trainJob } from '../../trainer/jobs/train';\nexport const x = trainJob;\n", blocked: true },
    // ONNX Runtime, an optional native addon, is loaded only by src/trainer/engine, which turns its failures into reasons.
    { file: 'src/extension/bad.ts', code: "import * as ort from 'onnxruntime-node';\nexport const x = ort;\n", blocked: true },
    { file: 'src/trainer/forward/bad.ts', code: "import * as ort from 'onnxruntime-node';\nexport const x = ort;\n", blocked: true },
    { file: 'src/trainer/engine/ok.ts', code: "import * as ort from 'onnxruntime-node';\nexport const x = ort;\n", blocked: false },
  ];
  for (const c of table) {
    it(`${c.blocked ? 'blocks' : 'allows'} ${c.code.split('\n')[0]} in ${c.file}`, async () => {
      const messages = await restrictedImports(c.file, c.code);
      assert.equal(messages.length > 0, c.blocked, messages.join('; '));
    });
  }
});
