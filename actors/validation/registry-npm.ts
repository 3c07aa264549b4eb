import { existsSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxResult } from '../sandbox/sandbox.js';
import { UnsafeSandbox } from '../sandbox/unsafe-sandbox.js';

export interface RegistryNpmOptions {
  workspace: string;
  timeoutMs: number;
  /** npm's download cache, shared between jobs so a second install is fast. */
  cacheDir?: string;
  signal?: AbortSignal;
}

/**
 * The registry-only step: npm itself talking to the package registry, with
 * every lifecycle script switched off (--ignore-scripts, and the same in the
 * environment), so no code from the generated project or its dependencies
 * runs. That is why it may run outside the sandbox, whose backends allow no
 * network at all; everything that executes the project's code afterwards
 * (tests, builds) runs in the sandbox, network off.
 */
export async function runRegistryNpm(args: readonly string[], options: RegistryNpmOptions): Promise<SandboxResult> {
  const host = new UnsafeSandbox({ defaultTimeoutMs: options.timeoutMs });
  const userConfig = join(homedir(), '.npmrc');
  try {
    return await host.run(['npm', ...args, '--ignore-scripts'], {
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
  } finally {
    await host.close();
  }
}
