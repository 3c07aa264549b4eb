import { resolve } from 'node:path';
import { SandboxError } from '../../actors/sandbox/errors.js';
import { ConfigError, loadConfig } from '../../daemon/config.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { CliError, EXIT } from '../errors.js';

export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'run one command in the sandbox, the way workers do',
  usage: `Usage: autodev sandbox run --workspace DIR [options] -- CMD [ARGS...]

Runs CMD in the sandbox backend autodevd would choose (see autodev doctor),
with DIR at /workspace, network off and the configured limits. Prints the
command's output; with --json, one object: backend, reason, exitCode,
stdout, stderr, timedOut, oomKilled, durationMs. Exits 0 when CMD exited 0,
1 when it failed, timed out or was killed.

Options:
  --workspace DIR      folder mounted read-write at /workspace (required)
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
    let config;
    try {
      config = await loadConfig(ctx.home, process.env, {});
    } catch (error) {
      throw new CliError('usage', (error as ConfigError).message, { cause: error });
    }
    // Loaded here, not at the top: dockerode would slow every other command's start.
    const { openSandbox } = await import('../../daemon/sandbox-runtime.js');
    const { UnsafeSandbox } = await import('../../actors/sandbox/unsafe-sandbox.js');
    try {
      // A one-shot run gains nothing from a warm pool; it borrows the daemon's engine when one runs.
      const runtime = await openSandbox({
        home: ctx.home,
        config: { ...config.sandbox, warmPoolSize: 0 },
        unsafeNoSandbox: values['unsafe-no-sandbox'] === true,
        createUnsafe: () => new UnsafeSandbox({ defaultTimeoutMs: config.sandbox.timeoutMs }),
        stopAdoptedEngine: false,
      });
      try {
        if (runtime.choice.backend === 'none') ctx.err('WARNING: running WITHOUT a sandbox (--unsafe-no-sandbox): the command can reach everything you can.');
        const result = await runtime.sandbox.run(command, {
          workspace: resolve(values.workspace),
          cwd: typeof values.cwd === 'string' ? values.cwd : undefined,
          timeoutMs: number('timeout'),
          limits,
          network,
        });
        if (ctx.json) {
          ctx.out(JSON.stringify({ backend: runtime.choice.backend, reason: runtime.choice.reason, ...result }));
        } else {
          ctx.write(result.stdout);
          if (result.stderr) ctx.err(result.stderr.replace(/\n$/, ''));
          const how = result.timedOut ? 'killed at the timeout' : result.oomKilled ? 'killed: out of memory' : `exit ${result.exitCode}`;
          ctx.err(`[sandbox: ${runtime.choice.backend}; ${how}; ${result.durationMs} ms]`);
        }
        return result.exitCode === 0 && !result.timedOut && !result.oomKilled ? EXIT.ok : EXIT.jobFailed;
      } finally {
        await runtime.close();
      }
    } catch (error) {
      if (error instanceof SandboxError) {
        throw new CliError(error.code === 'sandbox_bad_request' ? 'usage' : 'failed', error.message, { cause: error });
      }
      throw error;
    }
  },
};
