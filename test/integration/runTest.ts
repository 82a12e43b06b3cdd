// Runs the integration suites through @vscode/test-electron's runTests, unchanged for machines that can
// download VS Code. Here TL_VSCODE_EXECUTABLE points at test/vscode/code-shim.sh (code-server + headless Chromium).
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../../..');
  const workspace = process.env.TL_TEST_WORKSPACE;
  if (!workspace) throw new Error('TL_TEST_WORKSPACE must name the temporary workspace folder');
  await runTests({
    vscodeExecutablePath: process.env.TL_VSCODE_EXECUTABLE,
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/test/integration/suite/index'),
    launchArgs: [workspace, '--disable-extensions'],
    extensionTestsEnv: { TL_SHARED: process.env.TL_SHARED ?? '' },
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
