// The CLI's entry, apart from the command table so a test can run it with a command of its own. Every failure ends
// here and is reported one way: the human message on stderr, an exit code, and with --json one object as the last
// stdout line, {"error": {"code", "message", "file"?, "hint"?}}, so a script never has to parse stderr.
import { parseArgs } from 'node:util';
import type { CliCommand } from './commands';
import { readFlags, joinNegativeValues } from './flags';
import { CliJobFailure, exitCodeOf, printJson, UsageError } from './cliJob';
import { asProductError, FsError } from '../runtime/fsErrors';

interface CliError { code: string; message: string; file?: string; hint?: string }

export function usage(commands: Record<string, CliCommand>): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const list = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  const head = ['usage: transfer-lab <command> [options]', '       transfer-lab <command> --help', '', 'commands:'];
  return [...head, ...list].join('\n') + '\n';
}

/** Flags before a "--" terminator; after it everything is a positional argument. */
function flagsOf(args: readonly string[]): readonly string[] {
  const end = args.indexOf('--');
  return end < 0 ? args : args.slice(0, end);
}

/** Runs `transfer-lab <argv>` and returns the exit code: 0 done, 1 failed, 2 bad input or usage, 3 cancelled. */
export async function runCli(argv: string[], commands: Record<string, CliCommand>): Promise<number> {
  const [name, ...rest] = argv;
  const json = flagsOf(argv).includes('--json');
  const fail = (error: CliError): number => {
    if (json) printJson({ error });
    return exitCodeOf(error.code);
  };
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0] && Object.hasOwn(commands, rest[0])) {
      process.stdout.write(commands[rest[0]].help + '\n');
      return 0;
    }
    if (name) {
      process.stdout.write(usage(commands));
      return 0;
    }
    process.stderr.write(usage(commands));
    return fail({ code: 'usage', message: 'name a command', hint: usage(commands) });
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    const message = `unknown command "${name}"`;
    process.stderr.write(`transfer-lab: ${message}\n\n${usage(commands)}`);
    return fail({ code: 'usage', message, hint: usage(commands) });
  }
  if (flagsOf(rest).some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(command.help + '\n');
    return 0;
  }
  try {
    const args = joinNegativeValues(rest, command.options as Record<string, { type: string }>);
    let parsed;
    try {
      parsed = parseArgs({ args, options: command.options, allowPositionals: true, strict: true });
    } catch (e) {
      // parseArgs' own messages (an unknown flag, a flag without its value) are usage errors too.
      throw new UsageError((e as Error).message);
    }
    // Numbers, choices and folders are checked here, before the command starts any work.
    const values = readFlags(name, parsed.values as Record<string, unknown>);
    const code = await command.run(values, parsed.positionals);
    // Commands report failures by throwing; a bare non-zero code still ends --json output with an error object.
    if (code !== 0 && json) printJson({ error: failure(name, code) });
    return code;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`transfer-lab ${name}: ${e.message}\n${command.help}\n`);
      return fail({ code: e.code, message: e.message, hint: command.help });
    }
    // The reporter has already shown a job's error on stderr.
    if (e instanceof CliJobFailure) return fail(errorOf(e.event));
    // A file-system errno from the command's own work (outside a job) is a sentence too, never a raw "EROFS: …".
    const known = (await asProductError(e)) as unknown as CliError | undefined;
    if (
      typeof known?.code === 'string' &&
      (['bad-input', 'bad-layout'].includes(known.code) || known instanceof FsError)
    ) {
      // A bad input the command itself found, such as a folder flag naming a file.
      process.stderr.write(`error: ${known.message}${known.hint ? `\n  hint: ${known.hint}` : ''}\n`);
      return fail(errorOf(known));
    }
    process.stderr.write(`transfer-lab ${name}: ${(e as Error)?.stack ?? e}\n`);
    return fail({ code: 'unexpected', message: (e as Error)?.message ?? String(e) });
  }
}

function failure(name: string, code: number): CliError {
  return { code: 'failed', message: `transfer-lab ${name} exited with code ${code}` };
}

function errorOf(e: CliError): CliError {
  return { code: e.code, message: e.message, ...(e.file ? { file: e.file } : {}), ...(e.hint ? { hint: e.hint } : {}) };
}
