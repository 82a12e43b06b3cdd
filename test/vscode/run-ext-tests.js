// Runs mocha suites (extensionTestsPath) inside code-server's Node extension host: the workbench, started with
// the smoke-test driver, honours ?payload=[["extensionDevelopmentPath",..],["extensionTestsPath",..]] and calls
// window.codeAutomationExit(code) when the suites settle.
// usage: node run-ext-tests.js <port> <extDevPath> <extTestsPath> <folder>
const util = require('node:util');
const { launch } = require('./browser');

const [port, dev, tests, folder] = process.argv.slice(2);
const TIMEOUT_MS = Number(process.env.TL_EXT_TESTS_TIMEOUT_MS || 20 * 60 * 1000);
const host = `127.0.0.1:${port}`;
const remote = (p) => `vscode-remote://${host}${p}`;
const payload = [['extensionDevelopmentPath', remote(dev)], ['extensionTestsPath', remote(tests)]];
const url = `http://${host}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
// The offline workbench complains about galleries, accounts and DNS; none of it is ours.
const NOISE = /AgentHost|ChatModelSelection|AccountPolicyGate|authentication provider|github|open-vsx|Gallery|ENOTFOUND|NAME_NOT_RESOLVED|^%c|^\s*$/i;

(async () => {
  const browser = await launch();
  const done = new Promise((resolve) => {
    browser.page.exposeFunction('codeAutomationLog', (_type, args) => {
      const line = util.format(...args);
      if (!NOISE.test(line)) console.log(line);
    });
    browser.page.exposeFunction('codeAutomationExit', (code) => resolve(code));
  });
  console.log(`[run-ext-tests] opening the workbench on ${host}`);
  await browser.page.goto(url);
  const code = await Promise.race([done, new Promise((r) => setTimeout(() => r('TIMEOUT'), TIMEOUT_MS))]);
  console.log(`[run-ext-tests] extension host exit code: ${code}`);
  await browser.close();
  process.exit(code === 0 ? 0 : 1);
})().catch((e) => {
  console.error('[run-ext-tests] failed:', e);
  process.exit(2);
});
