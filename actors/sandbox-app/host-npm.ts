import { existsSync } from 'node:fs';
import { lstat, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { removeTree } from '../fs/safe-tree.js';
import { readFileNoFollow, writeFileUnder } from '../fs/safe-write.js';
import type { SandboxResult } from '../sandbox/sandbox.js';
import { UnsafeSandbox } from '../sandbox/unsafe-sandbox.js';

/** The only project files npm sees on the host: its manifest and lockfiles, never an .npmrc. */
const MANIFESTS = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json'] as const;

export interface HostNpmOptions {
  workspace: string;
  timeoutMs: number;
  cacheDir?: string;
  signal?: AbortSignal;
  /** The project's allowed npm settings as npm_config_* variables (see npm-config.ts); nothing else of its config applies. */
  allowedConfig?: Record<string, string>;
}

/**
 * npm on the host, for when no sandbox offers the registry network. A
 * project's own .npmrc is npm configuration (`git=./evil.sh`,
 * `script-shell=...`) that runs programs even with scripts off, and a
 * sandboxed test may have turned node_modules into a link to a host folder.
 * So npm never runs in the workspace: the manifests are copied into a fresh
 * folder beside it (same filesystem, the daemon's own), npm runs there with
 * the user's own ~/.npmrc or an empty one plus the project's allowed
 * settings (npm-config.ts), and node_modules and the lockfile
 * are moved back without following links. A project that depends on its own
 * folders (file: dependencies, npm workspaces) does not install this way;
 * the sandboxed install, which runs in the workspace itself, handles those.
 */
export async function runHostNpm(argv: readonly string[], options: HostNpmOptions): Promise<SandboxResult> {
  const { workspace } = options;
  const scratch = await mkdtemp(join(dirname(workspace), '.autodev-npm-'));
  const project = join(scratch, 'project');
  const host = new UnsafeSandbox({ defaultTimeoutMs: options.timeoutMs });
  try {
    for (const name of MANIFESTS) {
      const bytes = await readFileNoFollow(join(workspace, name));
      if (bytes) await writeFileUnder(scratch, `project/${name}`, bytes);
    }
    await moveRealFolder(join(workspace, 'node_modules'), join(project, 'node_modules'));
    const emptyConfig = join(scratch, 'npmrc');
    await writeFile(emptyConfig, '');
    const userConfig = join(homedir(), '.npmrc');
    const result = await host.run(argv, {
      workspace: project,
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      env: {
        ...options.allowedConfig,
        npm_config_ignore_scripts: 'true',
        npm_config_cache: options.cacheDir ?? join(tmpdir(), 'autodev-npm-cache'),
        npm_config_update_notifier: 'false',
        // The user's registry settings (a mirror, a token for it) still apply; nothing of the project's does.
        npm_config_userconfig: existsSync(userConfig) ? userConfig : emptyConfig,
      },
    });
    await moveRealFolder(join(project, 'node_modules'), join(workspace, 'node_modules'));
    for (const name of ['package-lock.json', 'npm-shrinkwrap.json'] as const) {
      const bytes = await readFileNoFollow(join(project, name));
      if (bytes) await writeFileUnder(workspace, name, bytes);
    }
    return result;
  } finally {
    await host.close();
    await removeTree(scratch);
  }
}

/** Moves `from` to `to` when it is a real folder; whatever sits at `to` (a link included) is removed first, never followed. */
async function moveRealFolder(from: string, to: string): Promise<void> {
  await removeTree(to);
  const info = await lstat(from).catch(() => undefined);
  if (info?.isDirectory()) await rename(from, to);
}
