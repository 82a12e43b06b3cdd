// A platform .vsix carries onnxruntime-node with only that platform's binaries (scripts/packagingIgnore.mjs).
// The patterns are checked as strings, then through vsce's own file selection (listFiles, the list `vsce package`
// zips) against the installed node_modules: a few seconds, no .vsix built, no network.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listFiles } from '@vscode/vsce';
import { ORT_BIN, ORT_PACKAGE, ORT_PLATFORM_DIRS, ortPlatformDir, packagingIgnorePatterns } from '../../scripts/packagingIgnore.mjs';

describe('packaging: onnxruntime-node per target', () => {
  it('maps vsce targets to onnxruntime-node binary folders', () => {
    assert.equal(ortPlatformDir('linux-x64'), 'linux/x64');
    assert.equal(ortPlatformDir('win32-arm64'), 'win32/arm64');
    assert.equal(ortPlatformDir('darwin-arm64'), 'darwin/arm64');
    for (const t of ['alpine-x64', 'alpine-arm64', 'linux-armhf', 'web']) assert.equal(ortPlatformDir(t), undefined, t);
  });

  for (const [target, own] of [['linux-x64', 'linux/x64'], ['win32-x64', 'win32/x64']]) {
    it(`${target} drops every other platform's binaries and keeps its own`, () => {
      const patterns = packagingIgnorePatterns(target);
      for (const dir of ORT_PLATFORM_DIRS) {
        assert.equal(patterns.includes(`${ORT_BIN}/${dir}/**`), dir !== own, dir);
      }
      assert.ok(!patterns.some((p) => p.includes(own)), `nothing names ${own}`);
      assert.ok(!patterns.some((p) => p.startsWith('!')), 'no negations: vsce re-includes a negated file globally');
      assert.ok(patterns.includes(`${ORT_BIN}/**/*onnxruntime_providers_*`), 'no CUDA/TensorRT providers');
    });
  }

  it('drops a binary folder it does not know when it is on disk', () => {
    assert.ok(packagingIgnorePatterns('linux-x64', ['linux/riscv64']).includes(`${ORT_BIN}/linux/riscv64/**`));
  });

  it('ships no onnxruntime for a target without binaries', () => {
    assert.deepEqual(packagingIgnorePatterns('alpine-x64'), [`${ORT_PACKAGE}/**`, 'node_modules/onnxruntime-common/**']);
  });

  const installed = existsSync(`${ORT_BIN}/linux/x64`) && existsSync(`${ORT_BIN}/win32/x64`);
  it('vsce selects only the target binaries, the runtime JS and onnxruntime-common', { skip: !installed && 'onnxruntime-node not installed' }, async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'packaging-test-'));
    try {
      const base = readFileSync('.vscodeignore', 'utf8');
      const lists = await Promise.all(['linux-x64', 'win32-x64'].map(async (target) => {
        const ignoreFile = join(tmp, `${target}.vscodeignore`);
        writeFileSync(ignoreFile, `${base}\n${packagingIgnorePatterns(target).join('\n')}\n`);
        return [target, await listFiles({ cwd: process.cwd(), ignoreFile })] as const;
      }));
      for (const [target, files] of lists) {
        const own = `${ORT_BIN}/${ortPlatformDir(target)}/`;
        const bins = files.filter((f) => f.startsWith(`${ORT_BIN}/`));
        assert.ok(bins.includes(`${own}onnxruntime_binding.node`), `${target}: its binding ships`);
        assert.deepEqual(bins.filter((f) => !f.startsWith(own)), [], `${target}: no other platform's binaries`);
        for (const f of [`${ORT_PACKAGE}/package.json`, `${ORT_PACKAGE}/dist/index.js`, `${ORT_PACKAGE}/dist/binding.js`,
          `${ORT_PACKAGE}/dist/backend.js`, 'node_modules/onnxruntime-common/package.json',
          'node_modules/onnxruntime-common/dist/cjs/index.js', 'node_modules/onnxruntime-common/dist/cjs/package.json']) {
          assert.ok(files.includes(f), `${target}: ${f} ships`);
        }
        assert.deepEqual(files.filter((f) => f.startsWith(`${ORT_PACKAGE}/script/`) || f.startsWith('node_modules/protobufjs/')), [],
          `${target}: no install scripts, no protobufjs (bundled)`);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
