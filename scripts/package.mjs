// Builds a production bundle and packages a platform-specific .vsix. sharp (and the optional native tfjs
// engines) are native modules, so each .vsix only works on the platform it was built on: pass --target to
// name it. Relative README links stay relative: the repository has no public URL yet. (vsce targets: linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64, ...).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const arg = process.argv.find((a) => a.startsWith('--target='));
const target = arg ? arg.slice('--target='.length) : `${process.platform}-${process.arch}`;
const { name, version } = JSON.parse(readFileSync('package.json', 'utf8'));
const out = `${name}-${target}-${version}.vsix`;

execFileSync(process.execPath, ['esbuild.mjs', '--production'], { stdio: 'inherit' });
execFileSync(process.execPath, ['node_modules/@vscode/vsce/vsce', 'package', '--target', target, '--out', out, '--no-rewrite-relative-links'], { stdio: 'inherit' });
console.log(out);
