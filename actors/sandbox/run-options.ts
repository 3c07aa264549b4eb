import { stat } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import { z } from 'zod';
import { SandboxError } from './errors.js';
import { gitEntriesToProtect } from './git-mask.js';
import { entriesToMask } from './masked-entries.js';
import { JUDGE_GID, JUDGE_UID } from './judge-user.js';
import { handOverWorkspace, sandboxUserFor } from './sandbox-user.js';
import type { SandboxLimits, SandboxNetwork, SandboxRunOptions } from './sandbox.js';

/** What every run gets unless the caller or the config says otherwise. */
export const DEFAULT_LIMITS: SandboxLimits = {
  cpus: 1,
  memoryBytes: 512 * 1024 * 1024,
  pids: 256,
  tmpfsBytes: 128 * 1024 * 1024,
};
export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
/** RLIMIT_FSIZE: the largest file a command may write, so one runaway file cannot fill the host's disk. */
export const DEFAULT_MAX_FILE_BYTES = 1024 ** 3;

/** The folder the workspace appears at inside every backend. */
export const SANDBOX_WORKSPACE = '/workspace';
export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const SandboxLimitsSchema = z
  .object({
    cpus: z.number().positive().max(256),
    memoryBytes: z.number().int().min(16 * 1024 * 1024),
    pids: z.number().int().min(8).max(65536),
    tmpfsBytes: z.number().int().min(1024 * 1024),
  })
  .strict();

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment names are letters, digits and _');

/** A run's options after checking: everything a backend needs, nothing optional left. */
export interface ResolvedRun {
  argv: string[];
  workspace: string;
  /** Absolute path inside the sandbox, under /workspace. */
  cwd: string;
  limits: SandboxLimits;
  network: SandboxNetwork;
  timeoutMs: number;
  env: Record<string, string>;
  /** Host uid the command runs as: never 0 (see sandbox-user.ts). */
  uid: number;
  gid: number;
  /** Workspace entries (relative) every backend shows read-only: the `.git`s, see git-mask.ts. */
  readOnlyEntries: string[];
  /** The whole workspace is shown read-only (the judge's folder). */
  readOnlyWorkspace: boolean;
  /** Workspace files (top-level names) every backend shows as an empty read-only file: see masked-entries.ts. */
  maskedEntries: string[];
  signal?: AbortSignal;
}

/**
 * Checks a run's options at the sandbox boundary: a bad cwd could otherwise
 * point outside /workspace, and a missing workspace would make an engine
 * create an empty root-owned folder in its place. Also picks the
 * unprivileged user the command runs as, handing the workspace to it
 * where that is allowed.
 */
export async function resolveRun(
  command: readonly string[],
  options: SandboxRunOptions,
  defaults: {
    limits: SandboxLimits;
    timeoutMs: number;
    /** The trees the daemon made, the only ones a root-owned workspace is handed over in (see handOverWorkspace). */
    ownedRoots?: readonly string[];
  },
): Promise<ResolvedRun> {
  if (command.length === 0 || !command[0]) {
    throw new SandboxError('sandbox_bad_request', 'sandbox run needs a command: pass at least the program name');
  }
  const workspace = resolve(options.workspace);
  const info = await stat(workspace).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new SandboxError('sandbox_bad_request', `workspace ${workspace} is not a folder: create it first, or pass another --workspace`);
  }
  const relative = posix.normalize(options.cwd ?? '.');
  if (posix.isAbsolute(relative) || relative === '..' || relative.startsWith('../')) {
    throw new SandboxError('sandbox_bad_request', `cwd "${options.cwd}" must be a folder inside the workspace, given relative to it`);
  }
  // Checked here: an engine would otherwise create a missing working folder, root-owned, in the user's workspace.
  if (relative !== '.' && !(await stat(resolve(workspace, relative)).catch(() => undefined))?.isDirectory()) {
    throw new SandboxError('sandbox_bad_request', `cwd "${options.cwd}" is not a folder in the workspace ${workspace}`);
  }
  const limits = SandboxLimitsSchema.safeParse({ ...defaults.limits, ...options.limits });
  if (!limits.success) {
    const problems = limits.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new SandboxError('sandbox_bad_request', `invalid sandbox limits: ${problems}`);
  }
  for (const name of Object.keys(options.env ?? {})) {
    if (!EnvName.safeParse(name).success) {
      throw new SandboxError('sandbox_bad_request', `environment variable name "${name}" is invalid: use letters, digits and _`);
    }
  }
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new SandboxError('sandbox_bad_request', `timeoutMs must be a positive integer, got ${String(options.timeoutMs)}`);
  }
  const readOnlyEntries = await gitEntriesToProtect(workspace);
  const maskedEntries = await entriesToMask(workspace, options.maskedEntries);
  const judged = sandboxUserFor(info, readOnlyEntries.includes('.git'));
  const readOnlyWorkspace = options.readOnlyWorkspace === true || options.as === 'judge';
  const user = options.as === 'judge' ? { uid: JUDGE_UID, gid: JUDGE_GID, handOver: false } : { ...judged, handOver: judged.handOver && !readOnlyWorkspace };
  if (options.as === 'judge' && judged.uid === JUDGE_UID) {
    throw new SandboxError('sandbox_bad_request', `the workspace ${workspace} belongs to uid ${JUDGE_UID}, which is reserved for the acceptance judge: give it to another user`);
  }
  // Done here, once for every backend: the command runs unprivileged and must still write its workspace.
  if (user.handOver) await handOverWorkspace(workspace, user.uid, user.gid, new Set(['.git']), defaults.ownedRoots);
  return {
    argv: [...command],
    workspace,
    cwd: posix.join(SANDBOX_WORKSPACE, relative),
    limits: limits.data,
    network: options.network ?? 'none',
    timeoutMs,
    // HOME and the npm cache live on the size-limited tmpfs, never on the read-only root.
    env: { PATH: SANDBOX_PATH, HOME: '/tmp', CI: '1', npm_config_cache: '/tmp/.npm', ...options.env },
    uid: user.uid,
    gid: user.gid,
    readOnlyEntries,
    readOnlyWorkspace,
    maskedEntries,
    signal: options.signal,
  };
}
