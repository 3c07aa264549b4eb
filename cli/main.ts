import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { resolveHome } from '../proto/home.js';
import { toWireError, type WireError } from '../proto/index.js';
import type { Command, CommandContext } from './command.js';
import { acceptCommand } from './commands/accept.js';
import { cancelCommand } from './commands/cancel.js';
import { daemonCommand } from './commands/daemon.js';
import { doctorCommand } from './commands/doctor.js';
import { mcpCommand } from './commands/mcp.js';
import { modelsCommand } from './commands/models.js';
import { sandboxCommand } from './commands/sandbox.js';
import { statusCommand } from './commands/status.js';
import { submitCommand } from './commands/submit.js';
import { resultCommand } from './commands/result.js';
import { watchCommand } from './commands/watch.js';
import { CliError, EXIT, exitCodeFor } from './errors.js';

export const COMMANDS: readonly Command[] = [submitCommand, statusCommand, watchCommand, cancelCommand, resultCommand, acceptCommand, daemonCommand, modelsCommand, mcpCommand, sandboxCommand, doctorCommand];

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
    'Exit codes: 0 ok or job completed, 1 job failed, 2 usage error, 3 daemon unreachable.',
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
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`autodev: unknown command "${name}"\n\n${topHelp()}\n`);
    return EXIT.usage;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr(`autodev ${name}: ${(error as Error).message}\n\n${command.usage}\n`);
    return EXIT.usage;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
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
  };
  try {
    return await command.run(ctx, values, parsed.positionals);
  } catch (error) {
    const code = exitCodeFor(error);
    if (json) io.stdout(`${JSON.stringify({ error: wireErrorFor(error) })}\n`);
    io.stderr(`autodev ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return code;
  }
}

function wireErrorFor(error: unknown): WireError {
  if (!(error instanceof CliError)) return toWireError(error);
  const code = error.code === 'usage' ? 'bad_request' : error.code === 'unreachable' ? 'daemon_unreachable' : 'internal';
  return { code, message: error.message };
}
