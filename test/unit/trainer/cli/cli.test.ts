// The CLI as a user runs it (needs `npm run build` first).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../../../fixtures/cliRun';

const CLI = path.join(ROOT, 'dist/cli.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('transfer-lab CLI', () => {
  it('doctor --json prints one JSON line naming the engine', () => {
    const r = cli('doctor', '--json');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const doctor = JSON.parse(lines[0]);
    assert.ok(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'].includes(doctor.engine));
    assert.match(doctor.sharp, /^\d+\.\d+\.\d+/);
    if (doctor.engine === 'wasm') assert.equal(typeof doctor.wasm.simd, 'boolean');
  });

  it('doctor explains why each earlier engine was skipped', () => {
    const r = cli('doctor');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^engine: {3}\S+/m);
    if (!/engine: {3}tfjs-node-gpu/.test(r.stdout)) assert.match(r.stdout, /skipped: {2}tfjs-node-gpu: .+/);
  });

  it('exits 2 with a message for an unknown command or flag', () => {
    const unknown = cli('fly');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command "fly"/);
    const badFlag = cli('doctor', '--nope');
    assert.equal(badFlag.status, 2);
    assert.match(badFlag.stderr, /--nope/);
  });
});
