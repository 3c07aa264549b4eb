import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { resolveHome } from '../proto/home.js';
import type { CommandContext, OptionValues } from './command.js';
import { COMMANDS } from './command-table.js';
import { EXIT } from './exit-codes.js';
import { closest, describeArgError } from './arg-errors.js';

// Only what the top-level help needs is imported statically: a command's module loads when it is named.
export { COMMANDS } from './command-table.js';

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'autodev: the client of autodevd, the offline multi-agent software builder',
    '',
    'Usage: autodev COMMAND [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run autodev COMMAND --help for its options. Every command takes --json and --home DIR.',
    'A command that needs autodevd starts it in the background when none runs; only daemon status and daemon stop never do.',
    'Exit codes: 0 ok or job completed, 1 job failed, 2 usage error, 3 the daemon could not start or does not answer (or a host it needs is unreachable).',
  ].join('\n');
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  interactive: boolean;
  env: NodeJS.ProcessEnv;
}

const processIo = (): CliIo => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interactive: Boolean(process.stdout.isTTY),
  env: process.env,
});

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${topHelp()}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  // Parsing failed or never ran, so --json is looked for by hand: a script asking for JSON gets JSON even then.
  const wantsJson = (rest.indexOf('--') === -1 ? rest : rest.slice(0, rest.indexOf('--'))).includes('--json');
  const usageError = (message: string, help: string): number => {
    // The wire's error shape (cli/errors.ts wireErrorFor), written out so a usage error loads no zod.
    if (wantsJson) io.stdout(`${JSON.stringify({ error: { code: 'bad_request', message } })}\n`);
    io.stderr(`${message}\n\n${help}\n`);
    return EXIT.usage;
  };
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    const suggestion = closest(name, COMMANDS.map((c) => c.name));
    return usageError(`autodev: unknown command "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`, topHelp());
  }
  const command = await entry.load();
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError(`autodev ${name}: ${describeArgError(name, error, rest, command.options)}`, command.usage);
  }
  const values: OptionValues = parsed.values;
  if (values.help) {
    io.stdout(`${command.usage}\n`);
    return EXIT.ok;
  }
  const json = values.json === true;
  const ctx: CommandContext = {
    home: resolveHome(typeof values.home === 'string' ? values.home : undefined, io.env, homedir()),
    json,
    out: (line) => io.stdout(`${line}\n`),
    err: (line) => io.stderr(`${line}\n`),
    write: io.stdout,
    interactive: io.interactive && !json,
    env: io.env,
  };
  try {
    return await command.run(ctx, values, parsed.positionals);
  } catch (error) {
    // Already loaded by the command that threw, so this costs nothing.
    const { exitCodeFor, wireErrorFor } = await import('./errors.js');
    const code = exitCodeFor(error);
    if (json) io.stdout(`${JSON.stringify({ error: wireErrorFor(error) })}\n`);
    io.stderr(`autodev ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return code;
  }
}
