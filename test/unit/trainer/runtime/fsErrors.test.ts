// File-system errors as users see them: a code the CLI maps to an exit code, a sentence naming the file or folder,
// a next step, and never Node's raw "ENOSPC: no space left on device, write". The full and read-only disks are small
// tmpfs mounts (root only; skipped elsewhere, and covered again by test/reliability/faults.test.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { writeFileAtomic } from '../../../../src/trainer/runtime/atomicFile';
import { exitCodeOf } from '../../../../src/trainer/cli/cliJob';
import { EmbeddingCache } from '../../../../src/trainer/features/embeddingCache';
import { asProductError, fsError, FsError, fsErrorSync } from '../../../../src/trainer/runtime/fsErrors';
import { RunWriter } from '../../../../src/trainer/runs/runWriter';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-fserr-'));
const mounts: string[] = [];
after(() => {
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const RAW_ERRNO = /^E[A-Z]{2,}: /m;

/** An error as Node's fs makes it. */
function errno(code: string, syscall: string, description: string, p?: string): NodeJS.ErrnoException {
  const where = p ? ` '${p}'` : '';
  const e = new Error(`${code}: ${description}, ${syscall}${where}`);
  return Object.assign(e, { code, syscall, ...(p ? { path: p } : {}) });
}

function assertSentence(e: unknown, code: string, names: string[]): FsError {
  assert.ok(e instanceof FsError, `not an FsError: ${String(e)}`);
  assert.equal(e.code, code);
  assert.doesNotMatch(e.message, RAW_ERRNO);
  for (const n of names) assert.ok(e.message.includes(n), `${e.message} does not name ${n}`);
  assert.ok(e.hint.length > 10, 'a next step');
  return e;
}

let n = 0;
const fresh = () => fs.mkdtempSync(path.join(tmp, `c${++n}-`));

let canMountMemo: boolean | undefined;
function canMount(): boolean {
  if (canMountMemo === undefined) {
    const dir = fresh();
    canMountMemo = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status === 0;
    if (canMountMemo) spawnSync('umount', [dir]);
  }
  return canMountMemo;
}
const noMount = () => (canMount() ? false : 'mounting a small file system needs root');

function tmpfs(kb: number, readOnly = false): string {
  const dir = fresh();
  const options = `size=${kb}k${readOnly ? ',ro' : ''}`;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  mounts.push(dir);
  return dir;
}

describe('file-system errors', () => {
  it('map each errno to a product code and a sentence naming the file, with a next step', () => {
    const file = '/data/runs/r1/model/weights.bin';
    assertSentence(fsErrorSync(errno('ENOSPC', 'write', 'no space left on device'), { file }), 'disk-full', [file]);
    assertSentence(fsErrorSync(errno('EFBIG', 'write', 'file too large'), { file }), 'file-too-large', [file]);
    assertSentence(fsErrorSync(errno('EROFS', 'open', 'read-only file system', file), { folder: '/data/runs' }),
      'read-only', ['/data/runs']);
    assertSentence(fsErrorSync(errno('EACCES', 'open', 'permission denied', file), { folder: '/data/runs' }),
      'permission', ['/data/runs']);
    assertSentence(fsErrorSync(errno('EIO', 'write', 'i/o error'), { file }), 'io-error', [file]);
    const other = assertSentence(fsErrorSync(errno('ENOTSUP', 'copyfile', 'operation not supported'), { file }),
      'file-system', [file, 'operation not supported']);
    assert.equal(other.errno, 'ENOTSUP');
  });

  it('say what is kept, and name the folder instead of a file that is the tool\'s own', () => {
    const e = assertSentence(fsErrorSync(errno('ENOSPC', 'write', 'no space left on device'), {
      file: '/out/.transfer-lab-prepare.journal', folder: '/out', internal: true,
      kept: 'the files placed so far are kept',
    }), 'disk-full', ['/out', 'free some space and run again', 'the files placed so far are kept']);
    assert.ok(!e.message.includes('journal'), e.message);
  });

  it('leave other errors alone, and make an errno that reaches the job\'s end a sentence naming its path', async () => {
    const plain = new Error('not a file-system error');
    assert.equal(await asProductError(plain), plain);
    const internal = Object.assign(new Error('bad flag'), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.equal(await asProductError(internal), internal);
    assertSentence(await asProductError(errno('ENOSPC', 'open', 'no space left on device', '/x/y.json')), 'disk-full',
      ['/x/y.json']);
    const cut = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' });
    const reset = await asProductError(cut);
    assert.ok(reset instanceof FsError && reset.code === 'network' && !/file/.test(reset.message), reset.message);
  });

  it('exit 2 for a folder the user chose that cannot be written, 1 for a full disk', () => {
    assert.equal(exitCodeOf('read-only'), 2);
    assert.equal(exitCodeOf('permission'), 2);
    assert.equal(exitCodeOf('disk-full'), 1);
    assert.equal(exitCodeOf('file-too-large'), 1);
    assert.equal(exitCodeOf('busy'), 1);
  });
});

describe('writers name the file they were writing', () => {
  it('writeFileAtomic: the file, not its temp name, and no temp left behind', async () => {
    const dir = fresh();
    const file = path.join(dir, 'run.json');
    fs.mkdirSync(path.join(file, 'in-the-way'), { recursive: true }); // a non-empty folder where the file belongs
    await assert.rejects(writeFileAtomic(file, '{}'), (e: unknown) => {
      assert.ok(e instanceof FsError && e.message.includes(file) && e.file === file, String(e));
      assert.doesNotMatch((e as Error).message, RAW_ERRNO);
      return true;
    });
    assert.deepEqual(fs.readdirSync(dir), ['run.json'], 'the temp file was removed');
    const blocked = path.join(dir, 'a-file');
    fs.writeFileSync(blocked, 'x');
    await assert.rejects(writeFileAtomic(path.join(blocked, 'sub', 'f.json'), '{}'),
      (e: unknown) => e instanceof FsError && e.code === 'bad-input' && e.message.includes(blocked));
  });

  it('writeFileAtomic on a full disk: disk-full naming the file, no temp left', { skip: noMount() }, async () => {
    const disk = tmpfs(64);
    const file = path.join(disk, 'model', 'weights.bin');
    await assert.rejects(writeFileAtomic(file, new Uint8Array(256 * 1024)),
      (e: unknown) => assertSentence(e, 'disk-full', [file]) !== undefined);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), []);
  });

  it('a read-only runs folder: Node says ENOENT from mkdir; the run says the folder cannot be written', {
    skip: noMount(),
  }, async () => {
    const runs = tmpfs(64, true);
    const init = { mode: 'feature-extractor', backbone: 'm', dataset: '/d', classes: ['a'], engine: 'cpu', config: {} };
    await assert.rejects(RunWriter.create(runs, init), (e: unknown) => {
      const err = assertSentence(e, 'read-only', [runs]);
      assert.match(err.message, /read-only disk/);
      return true;
    });
    // One level further down, the folder the user named is the one to create: the sentence says which is read-only.
    await assert.rejects(RunWriter.create(path.join(runs, 'runs'), init),
      (e: unknown) => assertSentence(e, 'read-only', [path.join(runs, 'runs'), runs]) !== undefined);
  });

  it('the embedding cache on a read-only disk: read-only, naming the cache folder', { skip: noMount() }, async () => {
    const cache = tmpfs(64, true);
    const c = new EmbeddingCache(path.join(cache, 'm@cut', '224'), 4, 'float16');
    await assert.rejects(c.put('ab'.repeat(32), 0, new Float32Array(4)),
      (e: unknown) => assertSentence(e, 'read-only', [cache]) !== undefined);
  });

  it('fsError sees through the ENOENT of a recursive mkdir under a file', async () => {
    const dir = fresh();
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    const e = await fs.promises.mkdir(path.join(dir, 'file', 'a', 'b'), { recursive: true }).catch((x: unknown) => x);
    const err = await fsError(e, { file: path.join(dir, 'file', 'a', 'b') });
    assert.ok(err instanceof FsError && err.code === 'bad-input', String(err));
  });
});
