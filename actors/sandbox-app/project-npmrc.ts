import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { SandboxResult } from '../sandbox/sandbox.js';
import { ALLOWED_NPMRC_KEYS, allowedNpmEnv, sandboxNpmEnv } from './npm-config.js';

/** The one file npm would read as the project's config: the workspace root is where npm runs. */
export const PROJECT_NPMRC = '.npmrc';

const MAX_NPMRC_BYTES = 64 * 1024;

export type ProjectNpmConfig =
  /** `allowed`: the project's allowed settings as npm_config_* variables (see npm-config.ts). */
  | { ok: true; allowed: Record<string, string> }
  /** The .npmrc cannot be used; npm must not run. `problem` names the file, never its content. */
  | { ok: false; problem: string };

/**
 * The workspace's `.npmrc`, read on the host without following a link: a
 * link could point at any host file (the daemon runs as root), and a
 * sandbox cannot hide what a link points to. So a link, a folder or
 * anything but a small regular file stops npm with a message that says
 * what to do, and never shows what the file holds.
 */
export async function readProjectNpmConfig(workspace: string): Promise<ProjectNpmConfig> {
  const refuse = (what: string): ProjectNpmConfig => ({
    ok: false,
    problem:
      `npm was not run: the project's ${PROJECT_NPMRC} ${what}. autodev gives npm only these settings from a regular ${PROJECT_NPMRC} ` +
      `(at most ${MAX_NPMRC_BYTES / 1024} KiB): ${[...ALLOWED_NPMRC_KEYS.keys()].join(', ')}; replace it with such a file, or remove it.`,
  });
  let handle: FileHandle;
  try {
    // O_NONBLOCK: a FIFO planted under the name must not hang the daemon.
    handle = await open(join(workspace, PROJECT_NPMRC), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: true, allowed: {} };
    return refuse(code === 'ELOOP' ? 'is a symbolic link' : `cannot be opened (${code ?? 'error'})`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return refuse('is not a regular file');
    if (info.size > MAX_NPMRC_BYTES) return refuse('is too large');
    return { ok: true, allowed: allowedNpmEnv(await handle.readFile('utf8')) };
  } finally {
    await handle.close();
  }
}

/**
 * What to add to a sandbox run of npm in `workspace`: the daemon's npm
 * config (`env`) and the project's .npmrc masked. `allowed` alone is for npm
 * on the host, where the user's own npm config stays trusted.
 */
export type NpmRunOptions =
  | { ok: true; env: Record<string, string>; maskedEntries: string[]; allowed: Record<string, string> }
  | { ok: false; problem: string };

export async function npmRunOptions(workspace: string): Promise<NpmRunOptions> {
  const config = await readProjectNpmConfig(workspace);
  if (!config.ok) return config;
  return { ok: true, env: sandboxNpmEnv(config.allowed), maskedEntries: [PROJECT_NPMRC], allowed: config.allowed };
}

/** The result of an npm step that refused to start npm: failed, with the reason where a report shows a command's output. */
export function npmNotRun(problem: string): SandboxResult {
  return { exitCode: 1, stdout: '', stderr: `${problem}\n`, timedOut: false, oomKilled: false, durationMs: 0 };
}
