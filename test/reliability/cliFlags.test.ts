// Bad numbers on the command line (needs `npm run build`): each is a usage error, exit 2, whose message names the
// flag and its allowed range, found before any work: no engine loaded, no run, cache or output folder created; with
// --json the last stdout line is the error object.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commands } from '../../src/trainer/cli/commands';
import { CHOICE_FLAGS, FOLDER_FLAGS, NUMBER_FLAGS, parseNumber, rangeOf } from '../../src/trainer/cli/flags';
import { patternJpeg } from '../fixtures/syntheticImages';
import { CLI, SHARED, V1 } from '../fixtures/cliRun';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-cli-flags-'));
const cli = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, cwd: work });

const prepared = path.join(work, 'prepared');
const runs = path.join(work, 'runs');
const cache = path.join(work, 'cache');
const out = path.join(work, 'out');
const train = (...flags: string[]) => ['train', prepared, '--backbone', V1, '--runs', runs, '--cache', cache, ...flags];
const guidance = (command: string, ...flags: string[]) =>
  [command, prepared, '--backbone', V1, '--cache', cache, ...flags];
const predict = (...flags: string[]) =>
  ['predict', path.join(work, 'no-run'), path.join(work, 'images'), '--out', path.join(out, 'p.csv'), ...flags];
const DOGS = path.join(SHARED, 'data/dogs-vs-cats');
const prepare = (...flags: string[]) => ['prepare', DOGS, '--out', out, ...flags];
const demo = (...flags: string[]) => ['demo', DOGS, '--work', out, ...flags];

// [command line, the flag, what the message must say about the allowed values]
const cases: [string[], string, RegExp][] = [
  [train('--epochs', '0'), '--epochs', /whole number from 1 to 10000/],
  [train('--epochs', 'ten'), '--epochs', /whole number from 1 to 10000/],
  [train('--epochs', ''), '--epochs', /whole number from 1 to 10000/],
  [train('--epochs', '0x10'), '--epochs', /whole number from 1 to 10000/],
  [train('--epochs', '2.5'), '--epochs', /whole number from 1 to 10000/],
  [train('--patience', '0'), '--patience', /whole number from 1 to 10000/],
  [train('--batch', '0'), '--batch', /whole number from 1 to 1024/],
  [train('--batch', '5000'), '--batch', /whole number from 1 to 1024/],
  [train('--size', '7'), '--size', /whole number from 32 to 1024/],
  [train('--augment', '-1'), '--augment', /whole number from 0 to 100/],
  [train('--lr', '0'), '--lr', /number from 1e-8 to 10/],
  [train('--lr', 'fast'), '--lr', /number from 1e-8 to 10/],
  [train('--seed', '-3'), '--seed', /whole number from 0 to 4294967295/],
  [train('--max-per-class', '0'), '--max-per-class', /whole number ≥ 1/],
  [train('--workers', '-1'), '--workers', /whole number from 0 to 64/],
  [train('--dropout', '1'), '--dropout', /number from 0 to 0\.95/],
  [train('--resize', 'squash'), '--resize', /one of cover, fill, contain/],
  [train('--engine', 'gpu'), '--engine', /one of auto, tfjs-node-gpu, tfjs-node, wasm, cpu/],
  [predict('--clip', '0.7'), '--clip', /number from 0 up to \(not including\) 0\.5/],
  [predict('--batch', '0'), '--batch', /whole number from 1 to 1024/],
  [['evaluate', path.join(work, 'no-run'), '--top-losses', '-1'], '--top-losses', /whole number from 0 to 1000/],
  [prepare('--val', '-0.1'), '--val', /fraction from 0 up to \(not including\) 1/],
  [prepare('--max-per-class', '0'), '--max-per-class', /whole number ≥ 1/],
  [prepare('--samples', '500'), '--samples', /whole number from 0 to 100/],
  [guidance('learning-curve', '--size', '7'), '--size', /whole number from 32 to 1024/],
  [guidance('learning-curve', '--desired-error', '2'), '--desired-error', /number from 0 to 0\.99/],
  [guidance('learning-curve', '--steps', '0'), '--steps', /whole number from 1 to 100000/],
  [guidance('lr-find', '--steps', '3'), '--steps', /whole number from 5 to 10000/],
  [guidance('advise', '--sample', '2'), '--sample', /whole number from 4 to 10000/],
  [demo('--epochs', '0'), '--epochs', /whole number from 1 to 10000/],
  [demo('--max-per-class', '-5'), '--max-per-class', /whole number ≥ 1/],
];

describe('CLI: bad numbers are usage errors that state the range, found before any work', () => {
  before(async () => {
    for (const cls of ['a', 'b']) {
      fs.mkdirSync(path.join(work, 'tiny', cls), { recursive: true });
      for (let i = 0; i < 6; i++) {
        const file = path.join(work, 'tiny', cls, `${cls}${i}.jpg`);
        fs.writeFileSync(file, await patternJpeg(cls.charCodeAt(0) * 100 + i));
      }
    }
    const r = cli(['prepare', path.join(work, 'tiny'), '--out', prepared, '--copy', '--json']);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  for (const [args, flag, range] of cases) {
    const value = args[args.indexOf(flag) + 1];
    it(`${args[0]} ${flag} ${JSON.stringify(value)}`, () => {
      for (const json of [false, true]) {
        const r = cli(json ? [...args, '--json'] : args);
        const shown = `exit ${r.status}\nstdout: ${r.stdout.slice(-500)}\nstderr: ${r.stderr.slice(-1500)}`;
        assert.equal(r.status, 2, shown);
        assert.ok(r.stderr.includes(flag), shown);
        assert.match(r.stderr, range, shown);
        assert.doesNotMatch(r.stderr, /^engine: /m, 'the engine was loaded before the flag was checked');
        for (const dir of [runs, cache, out]) assert.ok(!fs.existsSync(dir), `${dir} was created`);
        if (json) {
          const lines = r.stdout.trim().split('\n');
          assert.equal(lines.length, 1, shown);
          const { error } = JSON.parse(lines[0]);
          assert.equal(error.code, 'usage');
          assert.ok(error.message.includes(flag), error.message);
          assert.match(error.message, range);
        } else assert.equal(r.stdout, '');
      }
    });
  }
});

// Flags whose value is free text: a path, a model, a layer or class name, a list the job parses.
const TEXT_FLAGS = new Set([
  '--backbone', '--cut', '--from', '--unfreeze-from', '--out', '--positive', '--root', '--sizes', '--early-cut',
  // evaluate <model file> --dataset: a prepared folder that must exist (the job names it if not).
  '--dataset',
  // relabel --to CLASS: a class of the prepared dataset (the job refuses one it does not have, naming the file).
  '--to',
]);

describe('CLI flag table (src/trainer/cli/flags.ts)', () => {
  it('classifies every value flag of every command, and lists no flag that no command has', () => {
    const used = new Set<string>();
    for (const [name, command] of Object.entries(commands)) {
      for (const [option, spec] of Object.entries(command.options)) {
        if (spec.type !== 'string') continue;
        const flag = `--${option}`;
        used.add(flag);
        const kinds = [rangeOf(name, flag) && 'number', CHOICE_FLAGS[flag] && 'choice',
          FOLDER_FLAGS.has(flag) && 'folder', TEXT_FLAGS.has(flag) && 'text'].filter(Boolean);
        assert.equal(kinds.length, 1, `${name} ${flag}: ${kinds.join(', ') || 'not in the table'}`);
      }
    }
    for (const key of [...Object.keys(NUMBER_FLAGS), ...Object.keys(CHOICE_FLAGS), ...FOLDER_FLAGS]) {
      const flag = key.split(' ').at(-1)!;
      assert.ok(used.has(flag), `${key} is in the table but no command has it`);
    }
  });

  it('reads numbers as people type them, and nothing else', () => {
    const any = { min: -Infinity };
    const typed = [['3', 3], ['0.5', 0.5], ['.5', 0.5], ['1e-4', 1e-4], ['+2', 2], ['-0.1', -0.1], [' 7 ', 7]] as const;
    for (const [text, n] of typed) {
      assert.equal(parseNumber('--x', text, any), n, text);
    }
    for (const text of ['', ' ', 'abc', '0x10', '1_000', 'Infinity', 'NaN', '1,5', '2px']) {
      assert.throws(() => parseNumber('--x', text, any), /--x must be a number, got/, JSON.stringify(text));
    }
  });
});
