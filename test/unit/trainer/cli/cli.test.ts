// The CLI as a user runs it (needs `npm run build` first).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ENGINES, type EngineName } from '../../../../src/core/engineChoice';
import { frozenOrder, type FrozenEngineName } from '../../../../src/core/frozenEngineChoice';
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

  it('doctor shows the engine of each role and explains why each faster one was skipped', () => {
    const r = cli('doctor');
    assert.equal(r.status, 0, r.stderr);
    const block = (role: string) => {
      const m = new RegExp(`^${role}: +(\\S+)[^\\n]*\\n((?:  skipped [^\\n]*\\n)*)`, 'm').exec(r.stdout);
      assert.ok(m, `no ${role} line in\n${r.stdout}`);
      return { engine: m[1], skipped: [...m[2].matchAll(/^ {2}skipped (\S+): .+$/gm)].map((s) => s[1]) };
    };
    const training = block('training');
    assert.ok(ENGINES.includes(training.engine as EngineName), r.stdout);
    assert.deepEqual(training.skipped, ENGINES.slice(0, ENGINES.indexOf(training.engine as EngineName)));
    const frozen = block('frozen');
    const order = frozenOrder('auto', process.platform);
    assert.ok(order.includes(frozen.engine as FrozenEngineName), r.stdout);
    assert.deepEqual(frozen.skipped, order.slice(0, order.indexOf(frozen.engine as FrozenEngineName)));
    // onnxruntime-node is installed here (an optional dependency that installs offline): its CPU provider runs.
    assert.equal(frozen.engine, 'onnxruntime-cpu', r.stdout);
    const tfjsOnly = cli('doctor', '--frozen', 'tfjs', '--json');
    assert.equal(tfjsOnly.status, 0, tfjsOnly.stderr);
    assert.deepEqual(JSON.parse(tfjsOnly.stdout).frozen.engine, 'tfjs');
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
