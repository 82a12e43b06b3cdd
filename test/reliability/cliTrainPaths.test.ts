// Folders named on the command line that cannot be used (needs `npm run build`): `train --from` a folder that is not
// a run, `--runs`/`--cache` pointing at a file. Each gets a sentence naming the path, exit 2, before any work (no
// engine, no run folder), never a raw errno such as ENOTDIR or EEXIST. And fine-tuning no longer needs
// --unfreeze-from on the command line (the job picks the backbone's top block).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { patternJpeg } from '../fixtures/syntheticImages';
import { CLI, V1 } from '../fixtures/cliRun';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-cli-paths-'));
const cli = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 180_000, cwd: work });

const prepared = path.join(work, 'prepared');
const runs = path.join(work, 'runs');
const cache = path.join(work, 'cache');
const aFile = path.join(work, 'notes.txt');
const notARun = path.join(work, 'empty-folder');

// [what, command line, the path the message must name, what it must say]
const gone = path.join(work, 'gone');
const train = (...flags: string[]) => ['train', prepared, '--backbone', V1, ...flags];
const aFileSays = /is a file, not a folder/;
const cases: [string, string[], string, RegExp][] = [
  ['train --from a folder without run.json', ['train', '--from', notARun, '--runs', runs], notARun,
    /is not a run folder: no run\.json/],
  ['train --from a file', ['train', '--from', aFile, '--runs', runs], aFile, aFileSays],
  ['train --from a path that does not exist', ['train', '--from', gone, '--runs', runs], gone, /does not exist/],
  ['train --runs a file', train('--runs', aFile, '--cache', cache), aFile, aFileSays],
  ['train --runs a folder under a file', train('--runs', path.join(aFile, 'runs'), '--cache', cache), aFile, aFileSays],
  ['train --cache a file', train('--runs', runs, '--cache', aFile), aFile, aFileSays],
  ['learning-curve --cache a file', ['learning-curve', prepared, '--backbone', V1, '--cache', aFile], aFile, aFileSays],
  ['advise --model-cache a file', ['advise', prepared, '--backbone', V1, '--cache', cache, '--model-cache', aFile],
    aFile, aFileSays],
];

describe('CLI: unusable folders are named in a sentence, before any work', () => {
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
    fs.writeFileSync(aFile, 'not a folder\n');
    fs.mkdirSync(notARun);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  for (const [name, args, named, says] of cases) {
    it(name, () => {
      const r = cli([...args, '--json']);
      const shown = `exit ${r.status}\nstdout: ${r.stdout.slice(-500)}\nstderr: ${r.stderr.slice(-1500)}`;
      assert.equal(r.status, 2, shown);
      assert.ok(r.stderr.includes(named), `the message names ${named}\n${shown}`);
      assert.match(r.stderr, says, shown);
      assert.doesNotMatch(r.stderr, /E[A-Z]{3,}:|ENOTDIR|EEXIST|ENOENT/, 'no raw errno');
      assert.doesNotMatch(r.stderr, /^engine: /m, 'checked before the engine loads');
      assert.doesNotMatch(r.stderr, /unfreeze-from/, 'fine-tuning does not require --unfreeze-from');
      assert.ok(!fs.existsSync(runs) || fs.readdirSync(runs).length === 0, 'no run folder was created');
      assert.ok(!fs.existsSync(cache), 'no cache folder was created');
      const { error } = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      assert.equal(error.code, 'bad-input');
      assert.equal(error.file, named);
      assert.match(error.message, says);
    });
  }

  it("train's help says --unfreeze-from is optional and what it defaults to", () => {
    const r = cli(['train', '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /--from RUN_DIR/);
    assert.match(r.stdout, /--unfreeze-from[^\n]*default[^\n]*top block/i);
  });
});
