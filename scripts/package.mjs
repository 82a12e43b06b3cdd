// Builds a production bundle and packages a platform-specific .vsix. sharp (and the optional native tfjs
// engines) are native modules, so each .vsix only works on the platform it was built on: pass --target to
// name it. Relative README links stay relative: the repository has no public URL yet. (vsce targets: linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64, ...).
// onnxruntime-node ships every platform's binaries in one npm package: the .vsix keeps only the target's (see
// scripts/packagingIgnore.mjs), appended to .vscodeignore in a temporary --ignoreFile.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ORT_BIN, ortPlatformDir, packagingIgnorePatterns } from './packagingIgnore.mjs';

const arg = process.argv.find((a) => a.startsWith('--target='));
const target = arg ? arg.slice('--target='.length) : `${process.platform}-${process.arch}`;
const { name, version } = JSON.parse(readFileSync('package.json', 'utf8'));
const out = `${name}-${target}-${version}.vsix`;

execFileSync(process.execPath, ['esbuild.mjs', '--production'], { stdio: 'inherit' });

// .vscodeignore drops these from node_modules because esbuild bundles them: a bundle that still requires one
// at run time would fail only once installed.
for (const bundled of ['protobufjs', 'h5wasm', 'fflate']) {
  const loads = new RegExp(`(require|import)\\("${bundled}(/[^"]*)?"\\)`);
  for (const f of readdirSync('dist').filter((f) => f.endsWith('.js'))) {
    if (loads.test(readFileSync(join('dist', f), 'utf8'))) {
      throw new Error(`dist/${f} requires ${bundled} at run time, but .vscodeignore leaves it out of the .vsix`);
    }
  }
}
// The bundles load h5wasm from beside themselves (esbuild.mjs, h5wasmBundle).
if (!existsSync('dist/h5wasm.js')) throw new Error('dist/h5wasm.js is missing: the bundles load it to read Keras files');

const presentDirs = existsSync(ORT_BIN)
  ? readdirSync(ORT_BIN).flatMap((os) => readdirSync(join(ORT_BIN, os)).map((arch) => `${os}/${arch}`)) : [];
const ortDir = ortPlatformDir(target);
if (presentDirs.length > 0 && !(ortDir && presentDirs.includes(ortDir))) {
  console.warn(`package: onnxruntime-node has no binaries for ${target}; this .vsix ships without ONNX Runtime.`);
}

const tmp = mkdtempSync(join(tmpdir(), 'transfer-lab-vsce-'));
const ignoreFile = join(tmp, '.vscodeignore');
writeFileSync(ignoreFile, `${readFileSync('.vscodeignore', 'utf8')}\n# ${target} (scripts/packagingIgnore.mjs)\n`
  + `${packagingIgnorePatterns(target, presentDirs).join('\n')}\n`);
try {
  execFileSync(process.execPath, ['node_modules/@vscode/vsce/vsce', 'package', '--target', target, '--out', out,
    '--no-rewrite-relative-links', '--ignoreFile', ignoreFile], { stdio: 'inherit' });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(out);
