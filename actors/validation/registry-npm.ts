import { existsSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxError } from '../sandbox/errors.js';
import type { Sandbox, SandboxResult } from '../sandbox/sandbox.js';
import { UnsafeSandbox } from '../sandbox/unsafe-sandbox.js';

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
 * on the host, still with scripts off: npm is trusted code, and everything
 * that executes the project's code afterwards (tests, builds) runs in the
 * sandbox, network off.
 */
export async function runRegistryNpm(args: readonly string[], options: RegistryNpmOptions): Promise<SandboxResult & { ranIn: 'sandbox' | 'host' }> {
  const argv = ['npm', ...args, '--ignore-scripts'];
  if (options.sandbox && options.sandbox.backend !== 'none') {
    try {
      const result = await options.sandbox.run(argv, {
        workspace: options.workspace,
        network: 'registry',
        timeoutMs: options.timeoutMs,
        env: { npm_config_ignore_scripts: 'true', npm_config_update_notifier: 'false', npm_config_cache: '/tmp/npm-cache' },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { ...result, ranIn: 'sandbox' };
    } catch (error) {
      if (!(error instanceof SandboxError && error.code === 'sandbox_bad_request')) throw error;
    }
  }
  const host = new UnsafeSandbox({ defaultTimeoutMs: options.timeoutMs });
  const userConfig = join(homedir(), '.npmrc');
  try {
    const result = await host.run(argv, {
      workspace: options.workspace,
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      env: {
        npm_config_ignore_scripts: 'true',
        npm_config_cache: options.cacheDir ?? join(tmpdir(), 'autodev-npm-cache'),
        npm_config_update_notifier: 'false',
        // The user's registry settings (a mirror, a token for it) still apply.
        ...(existsSync(userConfig) ? { npm_config_userconfig: userConfig } : {}),
      },
    });
    return { ...result, ranIn: 'host' };
  } finally {
    await host.close();
  }
}
