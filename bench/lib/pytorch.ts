// The PyTorch CPU reference: Debian's python3-torch and python3-torchvision under /usr/bin/python3 (a pyenv or
// venv python3 on PATH would not see Debian's dist-packages). Installed with apt-get when missing; when that is
// not possible the bench reports `reference: null` with the reason instead of failing.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { LineWorker } from './lineWorker';

export const PYTHON = '/usr/bin/python3';
export const REFERENCE_DIR = path.resolve(__dirname, '../reference');

let checked: { ok: true; torch: string } | { ok: false; reason: string } | undefined;

function probe(): { ok: true; torch: string } | { ok: false; reason: string } {
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision; print(torch.__version__, torchvision.__version__)'], { encoding: 'utf8' });
  if (r.status === 0) return { ok: true, torch: r.stdout.trim() };
  return { ok: false, reason: (r.error?.message ?? r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`).slice(0, 300) };
}

export function ensureTorch(): { ok: true; torch: string } | { ok: false; reason: string } {
  if (checked) return checked;
  checked = probe();
  if (checked.ok) return checked;
  process.stderr.write('PyTorch reference: installing python3-torch python3-torchvision with apt-get…\n');
  const apt = spawnSync('apt-get', ['install', '-y', 'python3-torch', 'python3-torchvision'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (apt.status !== 0) {
    const why = apt.error?.message ?? apt.stderr.trim().split('\n').at(-1) ?? `exit ${apt.status}`;
    checked = { ok: false, reason: `python3-torch not importable (${checked.reason}) and apt-get install failed: ${why}`.slice(0, 400) };
    return checked;
  }
  checked = probe();
  return checked;
}

export function referenceWorker(script: string): LineWorker {
  return new LineWorker('pytorch', PYTHON, [path.join(REFERENCE_DIR, script)]);
}
