// The headless CLI: the same jobs as the extension, with progress on stderr and results on stdout.
// With --json the last stdout line is one JSON object, for scripts: the result, or {"error": …} (see cliMain.ts).
import { commands } from './cliCommands';
import { runCli } from './cliMain';

runCli(process.argv.slice(2), commands).then((code) => {
  process.exitCode = code;
});
