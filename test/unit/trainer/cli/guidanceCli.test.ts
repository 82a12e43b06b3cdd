// The guidance commands' bad inputs, through the built CLI (needs `npm run build`): each exits 2 with a message
// that names the file or the flag, and the help lists the three commands.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { patternJpeg } from '../../../fixtures/syntheticImages';
import { CLI, ROOT } from '../../../fixtures/cliRun';

const V1 = path.join(process.env.TL_SHARED || path.resolve(ROOT, '../shared'), 'models/mobilenet_v1_0.25_224_layers');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-guidance-cli-'));
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });

describe('guidance CLI: bad input', () => {
  const prepared = path.join(work, 'tiny-prepared');
  after(() => fs.rmSync(work, { recursive: true, force: true }));
  before(async () => {
    for (const cls of ['a', 'b']) {
      fs.mkdirSync(path.join(work, 'tiny', cls), { recursive: true });
      for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(work, 'tiny', cls, `${cls}${i}.jpg`), await patternJpeg(cls.charCodeAt(0) * 100 + i));
    }
    const r = cli('prepare', path.join(work, 'tiny'), '--out', prepared, '--copy', '--json');
    assert.equal(r.status, 0, r.stderr);
  });

  it('lists learning-curve, advise and lr-find in the help', () => {
    const r = cli('--help');
    for (const name of ['learning-curve', 'advise', 'lr-find']) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'));
  });

  const cases: [string, () => string[], RegExp][] = [
    ['a folder that is not a prepared dataset names its dataset.json', () => ['learning-curve', work, '--backbone', V1, '--cache', path.join(work, 'c')], /No prepared dataset at .*\(.*tl-guidance-cli-[^/]+\/dataset\.json\)/],
    ['a missing --backbone is a usage error', () => ['learning-curve', prepared], /--backbone are required/],
    ['--repeats 0 names the setting', () => ['learning-curve', prepared, '--backbone', V1, '--repeats', '0'], /config\.repeats: expected a whole number from 1 to 20/],
    ['--desired-error that is not a number', () => ['learning-curve', prepared, '--backbone', V1, '--desired-error', 'low'], /--desired-error must be a number/],
    ['--sizes beyond the training set names the dataset', () => ['learning-curve', prepared, '--backbone', V1, '--sizes', '5000,4', '--cache', path.join(work, 'c')], /sizes: 5000 gives 5000 images; it must be from 2 .* \(the training split of .*dataset\.json has \d+ images\)/],
    ['an unknown backbone folder is named', () => ['advise', prepared, '--backbone', path.join(work, 'no-such-model')], /unknown backbone ".*no-such-model"/],
    ['an early cut the backbone lacks is named', () => ['advise', prepared, '--backbone', V1, '--early-cut', 'conv_pw_99', '--cache', path.join(work, 'c')], /has no layer "conv_pw_99"/],
    ['lr-find --from a folder that is not a run names run.json', () => ['lr-find', '--from', work], /is not a run folder: it has no run\.json/],
    ['lr-find needs a dataset and backbone, or --from', () => ['lr-find'], /or --from RUN_DIR/],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      const r = cli(...args());
      assert.equal(r.status, 2, `exit ${r.status}\n${r.stderr.slice(-1500)}`);
      assert.match(r.stderr, message);
    });
  }
});
