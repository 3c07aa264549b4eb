import { SandboxError } from '../sandbox/errors.js';
import type { Sandbox, SandboxResult } from '../sandbox/sandbox.js';
import { runHostNpm } from './host-npm.js';
import { npmNotRun, npmRunOptions } from './project-npmrc.js';

export interface RegistryNpmOptions {
  /** The sandbox, with its registry-only network; null, or one that refuses that network, runs npm on the host, scripts off. */
  sandbox?: Sandbox | null;
  workspace: string;
  timeoutMs: number;
  /** npm's download cache, shared between jobs so a second install is fast. */
  cacheDir?: string;
  signal?: AbortSignal;
}

/**
 * The registry-only step: npm talking to the package registry, with every
 * lifecycle script switched off (--ignore-scripts, and the same in the
 * environment), so no code from the generated project or its dependencies
 * runs. It runs in the sandbox with network `registry` (its proxy reaches
 * only the registries). Where the sandbox cannot offer that network, npm runs
 * on the host, still with scripts off and away from the project's own npm
 * configuration (see host-npm.ts): npm is trusted code, and everything
 * that executes the project's code afterwards (tests, builds) runs in the
 * sandbox, network off.
 *
 * Either way npm's configuration is the daemon's (npm-config.ts): the
 * project's .npmrc is masked in the sandbox and left behind on the host,
 * and only its allowed settings reach npm, so no key of the project's
 * (git, script-shell, node-options, userconfig...) can start a program
 * while the registry is reachable.
 */
export async function runRegistryNpm(args: readonly string[], options: RegistryNpmOptions): Promise<SandboxResult & { ranIn: 'sandbox' | 'host' }> {
  const argv = ['npm', ...args, '--ignore-scripts'];
  const inSandbox = Boolean(options.sandbox && options.sandbox.backend !== 'none');
  const npm = await npmRunOptions(options.workspace);
  if (!npm.ok) return { ...npmNotRun(npm.problem), ranIn: inSandbox ? 'sandbox' : 'host' };
  if (options.sandbox && inSandbox) {
    try {
      const result = await options.sandbox.run(argv, {
        workspace: options.workspace,
        network: 'registry',
        timeoutMs: options.timeoutMs,
        env: { ...npm.env, npm_config_ignore_scripts: 'true', npm_config_cache: '/tmp/npm-cache' },
        maskedEntries: npm.maskedEntries,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { ...result, ranIn: 'sandbox' };
    } catch (error) {
      if (!(error instanceof SandboxError && error.code === 'sandbox_bad_request')) throw error;
    }
  }
  const result = await runHostNpm(argv, {
    workspace: options.workspace,
    timeoutMs: options.timeoutMs,
    allowedConfig: npm.allowed,
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { ...result, ranIn: 'host' };
}
