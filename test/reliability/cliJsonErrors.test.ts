// With --json, every failing command still ends stdout with one JSON object, {"error": {code, message, file?, hint?}}:
// usage errors and bad input (exit 2), unexpected exceptions (exit 1), cancellation (exit 3). Progress
// and the human message stay on stderr. Through the built CLI (needs `npm run build`), except the unexpected
// exception, which needs a command that throws and so runs the CLI's entry from source with one injected.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { patternJpeg } from '../fixtures/syntheticImages';
import { CLI, ROOT, V1 } from '../fixtures/cliRun';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-cli-json-'));
const prepared = path.join(work, 'prepared');

interface CliError { code: string; message: string; file?: string; hint?: string }

/** The error object a failing --json command ends stdout with, after checking stdout holds nothing else. */
function errorOf(r: { status: number | null; stdout: string; stderr: string }, status: number): CliError {
  const shown = `exit ${r.status}\nstdout: ${r.stdout.slice(-800)}\nstderr: ${r.stderr.slice(-1500)}`;
  assert.equal(r.status, status, shown);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `stdout must hold only the JSON line\n${shown}`);
  const parsed = JSON.parse(lines[0]) as { error: CliError };
  assert.deepEqual(Object.keys(parsed), ['error'], shown);
  const { error } = parsed;
  assert.ok(typeof error.code === 'string' && error.code.length > 0, shown);
  assert.ok(typeof error.message === 'string' && error.message.length > 0, shown);
  for (const key of Object.keys(error)) assert.ok(['code', 'message', 'file', 'hint'].includes(key), key);
  return error;
}

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 180_000, cwd: work });

describe('CLI --json: a failing command ends stdout with one error object', () => {
  before(async () => {
    for (const cls of ['a', 'b']) {
      fs.mkdirSync(path.join(work, 'tiny', cls), { recursive: true });
      for (let i = 0; i < 40; i++) {
        const jpeg = await patternJpeg(cls.charCodeAt(0) * 1000 + i);
        fs.writeFileSync(path.join(work, 'tiny', cls, `${cls}${i}.jpg`), jpeg);
      }
    }
    const r = cli('prepare', path.join(work, 'tiny'), '--out', prepared, '--copy', '--json');
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  const usage: [string, string[], RegExp][] = [
    ['an unknown command', ['fly'], /unknown command "fly"/],
    ['an unknown flag', ['doctor', '--nope'], /--nope/],
    ['an unknown flag on train', ['train', prepared, '--backbone', V1, '--epoch', '3'], /--epoch/],
    ['a missing argument', ['train'], /--backbone are required/],
    ['a missing images folder', ['predict', work], /images folder are required/],
    ['a bad number', ['train', prepared, '--backbone', V1, '--epochs', 'zero'], /--epochs/],
    ['a flag without its value', ['evaluate', work, '--batch'], /--batch/],
  ];
  for (const [name, args, message] of usage) {
    it(`usage error, exit 2: ${name}`, () => {
      const r = cli(...args, '--json');
      const error = errorOf(r, 2);
      assert.equal(error.code, 'usage');
      assert.match(error.message, message);
      assert.match(r.stderr, message, 'the human message stays on stderr');
      const plain = cli(...args);
      assert.equal(plain.status, 2);
      assert.equal(plain.stdout, '', 'without --json nothing goes to stdout');
    });
  }

  it('bad input from a job, exit 2: prepare on a folder without images names the problem', () => {
    const notes = path.join(work, 'notes');
    fs.mkdirSync(notes);
    fs.writeFileSync(path.join(notes, 'readme.md'), '# no images');
    const r = cli('prepare', notes, '--json');
    const error = errorOf(r, 2);
    assert.equal(error.code, 'bad-layout');
    assert.match(error.message, /No images found/);
    assert.match(r.stderr, /No images found/);
  });

  it('bad input from a job, exit 2: evaluate on a folder that is not a run gives its file and hint', () => {
    const r = cli('evaluate', path.join(work, 'tiny'), '--json');
    const error = errorOf(r, 2);
    assert.equal(error.code, 'bad-input');
    assert.equal(error.file, path.join(work, 'tiny', 'run.json'));
    assert.match(error.hint ?? '', /transfer-lab runs/);
  });

  // A failed job proper (exit 1, e.g. code disk-full) is in faults.test.ts, where a full disk is real.
  it('a damaged run record, exit 2: fine-tuning from a run whose run.json is not a run record names it', () => {
    const broken = path.join(work, 'broken-run');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'run.json'), '{"hello": "world"}\n');
    const r = cli('train', '--from', broken, '--unfreeze-from', 'conv_pw_13', '--runs', path.join(work, 'runs'),
      '--json');
    const error = errorOf(r, 2);
    assert.equal(error.code, 'bad-input');
    assert.equal(error.file, path.join(broken, 'run.json'));
    assert.match(r.stderr, /^error: /m);
    assert.ok(r.stderr.includes(error.message), 'stderr shows the same message');
  });

  it('cancellation, exit 3: Ctrl-C during train', async () => {
    const child = spawn(process.execPath, [CLI, 'train', prepared, '--backbone', V1, '--epochs', '50',
      '--runs', path.join(work, 'runs'), '--cache', path.join(work, 'cache'), '--json'], { cwd: work });
    let stdout = '', stderr = '', signalled = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!signalled && /^embedding/m.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    assert.ok(signalled, `never saw the embedding start:\n${stderr.slice(-1500)}`);
    const error = errorOf({ status, stdout, stderr }, 3);
    assert.equal(error.code, 'cancelled');
  });

  it('an unexpected exception, exit 1: the error object, with the stack on stderr', () => {
    const script = path.join(work, 'throwing-cli.ts');
    fs.writeFileSync(script, [
      `import { runCli } from ${JSON.stringify(path.join(ROOT, 'src/trainer/cli/runCli'))};`,
      'const explode = {',
      '  summary: "throws", help: "usage: explode [--json]", options: { json: { type: "boolean" as const } },',
      '  async run(): Promise<number> { throw new TypeError("boom: something nobody expected"); } };',
      'runCli(process.argv.slice(2), { explode }).then((code) => { process.exitCode = code; });',
    ].join('\n'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, 'explode', '--json'],
      { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
    const error = errorOf(r, 1);
    assert.equal(error.code, 'unexpected');
    assert.match(error.message, /boom: something nobody expected/);
    assert.match(r.stderr, /TypeError: boom[^\n]*\n\s+at /, 'the stack goes to stderr');
  });
});
