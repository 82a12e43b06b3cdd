// A file that is not an image is refused and named, but its contents are never echoed: a link named x.jpg may point
// at /etc/passwd or a key file, and the report ends up in logs, JSON and screenshots.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MANIFEST_FILE } from '../../src/core/datasetManifest';
import type { PrepareResult } from '../../src/core/jobs/prepare';
import { formatPrepareSummary } from '../../src/core/preparePreview';
import type { TrainerEvent } from '../../src/core/protocol';
import { runJob } from '../../src/trainer/jobs/runJob';
import { patternJpeg } from '../fixtures/syntheticImages';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-secrets-'));
const src = path.join(tmp, 'photos');
const out = path.join(tmp, 'photos-prepared');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Short, recognisable pieces: any of them in the output means the file's text was quoted.
const SECRETS = ['hunter2', 'AKIAEXAMPLESECRET', 'root:x:0:0', 'BEGIN PRIVATE'];

function put(rel: string, data: Buffer | string): string {
  const file = path.join(src, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return file;
}

describe('prepare never echoes the contents of a file it refuses', () => {
  let events: TrainerEvent[];
  let terminal: TrainerEvent;
  let everything: string;

  before(async () => {
    for (let i = 0; i < 4; i++) {
      put(`cat/${i}.jpg`, await patternJpeg(i + 1));
      put(`dog/${i}.jpg`, await patternJpeg(i + 40));
    }
    put('cat/secret.jpg', 'password=hunter2\naws_key=AKIAEXAMPLESECRET\n');
    // Outside the dataset, reached through links named like images.
    const outside = path.join(tmp, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    const binary = Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from('BEGIN PRIVATE KEY')]);
    fs.writeFileSync(path.join(outside, 'id_rsa'), binary);
    fs.symlinkSync(path.join(outside, 'passwd'), path.join(src, 'dog/x.jpg'));
    fs.symlinkSync(path.join(outside, 'id_rsa'), path.join(src, 'dog/key.png'));
    events = [];
    const ctx = { emit: (e: TrainerEvent) => events.push(e), signal: new AbortController().signal };
    terminal = await runJob('prepare', { source: src, out }, ctx);
    assert.equal(terminal.type, 'done', JSON.stringify(terminal));
    const result = (terminal as { result: PrepareResult }).result;
    everything = [JSON.stringify(terminal), JSON.stringify(events), formatPrepareSummary(result, 1000),
      fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8')].join('\n');
  });

  for (const secret of SECRETS) {
    it(`no message, finding, reason or JSON contains "${secret}"`, () => {
      const at = everything.indexOf(secret);
      assert.ok(at < 0, `found in: …${everything.slice(Math.max(0, at - 80), at + 40)}…`);
    });
  }

  const refused: [string, RegExp][] = [
    ['cat/secret.jpg', /text/], ['dog/x.jpg', /text/], ['dog/key.png', /unknown format/],
  ];
  for (const [rel, kind] of refused) {
    it(`${rel} is refused with a message that names it and says what it holds`, () => {
      const result = (terminal as { result: PrepareResult }).result;
      const f = result.findings.find((x) => x.files.includes(rel));
      assert.ok(f, `a finding for ${rel}`);
      assert.equal(f.code, 'not-an-image');
      assert.ok(f.message.includes(rel), f.message);
      assert.match(f.message, kind);
      assert.ok(result.excluded.some((e) => e.file === path.join(src, rel)), `${rel} is excluded`);
    });
  }
});
