// The CLI as a user runs it (needs `npm run build` first).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ENGINES, type EngineName } from '../../../../src/core/engineChoice';
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
    assert.ok(ENGINES.includes(doctor.engine), doctor.engine);
    assert.match(doctor.sharp, /^\d+\.\d+\.\d+/);
    // Every faster engine was tried first, each skipped with a reason; only wasm reports its SIMD and threads.
    const earlier = ENGINES.slice(0, ENGINES.indexOf(doctor.engine));
    assert.deepEqual(doctor.skipped.map((s: { engine: EngineName }) => s.engine), earlier);
    for (const s of doctor.skipped) assert.ok(s.reason.length > 0, `${s.engine} skipped without a reason`);
    assert.deepEqual(typeof doctor.wasm?.simd, doctor.engine === 'wasm' ? 'boolean' : 'undefined');
  });

  it('doctor explains why each earlier engine was skipped', () => {
    const r = cli('doctor');
    assert.equal(r.status, 0, r.stderr);
    const engine = /^engine: {3}(\S+)/m.exec(r.stdout)?.[1] as EngineName | undefined;
    assert.ok(engine && ENGINES.includes(engine), r.stdout);
    const skipped = [...r.stdout.matchAll(/^skipped: {2}(\S+): .+$/gm)].map((m) => m[1]);
    assert.deepEqual(skipped, ENGINES.slice(0, ENGINES.indexOf(engine)));
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
