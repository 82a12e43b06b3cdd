// The headless CLI: the same jobs as the extension, with progress on stderr and results on stdout.
// With --json the last stdout line is one JSON object, for scripts: the result, or {"error": …} (see runCli.ts).
import { commands } from './commands';
import { runCli } from './runCli';

runCli(process.argv.slice(2), commands).then((code) => {
  process.exitCode = code;
});
