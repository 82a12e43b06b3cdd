// The headless CLI: the same jobs as the extension, with progress on stderr and results on stdout.
// With --json the last stdout line is one JSON object, for scripts.
import { parseArgs } from 'node:util';
import { commands, usage, UsageError } from './cliCommands';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`transfer-lab: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`transfer-lab ${name}: ${(e as Error).message}\n${command.help}\n`);
    return 2;
  }
  try {
    return await command.run(parsed.values as Record<string, unknown>, parsed.positionals);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`transfer-lab ${name}: ${e.message}\n${command.help}\n`);
      return 2;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`transfer-lab: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
