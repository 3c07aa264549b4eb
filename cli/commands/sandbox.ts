import { resolve } from 'node:path';
import { ProtocolError, SandboxRunAnswer, type SandboxRunBody } from '../../proto/index.js';
import { jsonOrThrow, send } from '../client.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { daemonFor } from '../daemon-process.js';
import { CliError, EXIT } from '../errors.js';

export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'run one command in the sandbox, the way workers do',
  usage: `Usage: autodev sandbox run --workspace DIR [options] -- CMD [ARGS...]

Asks autodevd (starting it if none runs) to run CMD in the sandbox backend it
would choose (see autodev doctor), with a private copy of DIR at /workspace,
network off and the configured limits. DIR itself is never run in and never
changes (owner and modes included), unless --write-back asks for the run's
changes. Prints the command's output; with --json, one object: backend,
reason, exitCode, stdout, stderr, timedOut, oomKilled, durationMs, and
workspace (ranIn, source, writeBack, written, skipped). Exits 0 when CMD
exited 0, 1 when it failed, timed out or was killed.

Options:
  --workspace DIR      folder copied to /workspace (required; not autodevd's home)
  --write-back         write the run's new and changed files back into DIR, never
                       through a symlink there; deletions, symlinks, mode changes,
                       empty folders and .git are not written back, nor anything
                       from a run that was killed
  --cwd PATH           working folder inside the workspace (default: .)
  --timeout MS         wall-clock limit (default: sandbox.timeoutMs in config.json)
  --memory MB          memory limit in MiB
  --cpus N             CPU cores, fractional allowed
  --pids N             process limit
  --network MODE       none (default) or registry: only the package registries in
                       sandbox.registries, through a proxy (for npm install)
  --unsafe-no-sandbox  allow running WITHOUT isolation when no sandbox works
${COMMON_HELP}`,
  options: {
    ...COMMON_OPTIONS,
    workspace: { type: 'string' },
    cwd: { type: 'string' },
    timeout: { type: 'string' },
    memory: { type: 'string' },
    cpus: { type: 'string' },
    pids: { type: 'string' },
    network: { type: 'string' },
    'write-back': { type: 'boolean' },
    'unsafe-no-sandbox': { type: 'boolean' },
  },
  async run(ctx, values, positionals) {
    const [action, ...command] = positionals;
    if (action !== 'run') throw new CliError('usage', 'sandbox takes one action: run');
    if (command.length === 0) throw new CliError('usage', 'give the command after --, e.g. autodev sandbox run --workspace . -- node -v');
    if (typeof values.workspace !== 'string') throw new CliError('usage', '--workspace DIR is required');
    const number = (name: string) => {
      const raw = values[name];
      if (typeof raw !== 'string') return undefined;
      const n = Number(raw);
      if (!Number.isFinite(n) || n <= 0) throw new CliError('usage', `--${name} must be a positive number, got "${raw}"`);
      return n;
    };
    const memoryMiB = number('memory');
    const limits = {
      ...(memoryMiB !== undefined ? { memoryBytes: Math.round(memoryMiB * 1024 * 1024) } : {}),
      ...(number('cpus') !== undefined ? { cpus: number('cpus') } : {}),
      ...(number('pids') !== undefined ? { pids: number('pids') } : {}),
    };
    const network = values.network ?? 'none';
    if (network !== 'none' && network !== 'registry') throw new CliError('usage', `--network must be none or registry, got "${String(network)}"`);
    const cwd = typeof values.cwd === 'string' ? values.cwd : undefined;
    const timeoutMs = number('timeout');
    const body: SandboxRunBody = {
      argv: command,
      workspace: resolve(values.workspace),
      ...(cwd !== undefined ? { cwd } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      limits,
      network,
      writeBack: values['write-back'] === true,
      unsafeNoSandbox: values['unsafe-no-sandbox'] === true,
    };
    const connection = await daemonFor(ctx);
    let result: SandboxRunAnswer;
    try {
      result = await jsonOrThrow(await send(connection, connection.api.sandbox.run, '$post', { json: body }), SandboxRunAnswer);
    } catch (error) {
      // The sandbox, not the command, failed: a bad workspace or cwd is the caller's mistake.
      if (error instanceof ProtocolError && error.code === 'sandbox_bad_request') throw new CliError('usage', error.message, { cause: error });
      if (error instanceof ProtocolError && error.code.startsWith('sandbox_')) throw new CliError('failed', error.message, { cause: error });
      throw error;
    }
    if (result.backend === 'none') ctx.err('WARNING: ran WITHOUT a sandbox (--unsafe-no-sandbox): the command could reach everything you can.');
    if (ctx.json) {
      ctx.out(JSON.stringify(result));
    } else {
      ctx.write(result.stdout);
      if (result.stderr) ctx.err(result.stderr.replace(/\n$/, ''));
      const how = result.timedOut ? 'killed at the timeout' : result.oomKilled ? 'killed: out of memory' : `exit ${result.exitCode}`;
      ctx.err(`[sandbox: ${result.backend}; ${how}; ${result.durationMs} ms; ${describeWorkspace(result.workspace)}]`);
      for (const { path, why } of result.workspace.skipped.slice(0, SKIPPED_SHOWN)) ctx.err(`  not written back: ${path}: ${why}`);
      const more = result.workspace.skipped.length - SKIPPED_SHOWN;
      if (more > 0) ctx.err(`  … and ${more} more not written back (--json lists them all)`);
    }
    return result.exitCode === 0 && !result.timedOut && !result.oomKilled ? EXIT.ok : EXIT.jobFailed;
  },
};

const SKIPPED_SHOWN = 20;

/** One line on where the command ran, so nobody looks for its output in the folder they named. */
function describeWorkspace(workspace: SandboxRunAnswer['workspace']): string {
  if (!workspace.writeBack) {
    // Asked for, and refused (a killed run): the reason is among the skipped lines.
    if (workspace.skipped.length > 0) return `ran in a copy of ${workspace.source}; nothing was written back`;
    return `ran in a copy of ${workspace.source}; its changes were discarded (--write-back keeps them)`;
  }
  const files = workspace.written.length === 1 ? '1 file' : `${workspace.written.length} files`;
  return `ran in a copy of ${workspace.source}; ${files} written back`;
}
