import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { withRepoLock } from '../../git/repo.js';
import { gitFailure } from '../git-args.js';
import { RefResolver } from '../git-ref-resolver.js';
import { ToolError } from '../tool.js';

/** What the git tools work on: one repository, every job's folder, and the configured remotes. */
export interface GitToolDeps {
  /** The repository (its working tree) the tools work on. */
  dir: string;
  refs: RefResolver;
  /** Every job's folder, for search_repositories. */
  jobsDir: string;
  /** The only remotes git_push may push to, by name. */
  remotes: Readonly<Record<string, string>>;
  maxDiffChars: number;
}

export interface GitToolOptions {
  dir: string;
  jobsDir: string;
  remotes: Readonly<Record<string, string>>;
  maxDiffChars?: number;
}

export function gitToolDeps(options: GitToolOptions): GitToolDeps {
  return { dir: options.dir, refs: new RefResolver(options.dir), jobsDir: options.jobsDir, remotes: options.remotes, maxDiffChars: options.maxDiffChars ?? 100_000 };
}

export async function needRepo(deps: GitToolDeps): Promise<void> {
  const gitdir = await lstat(join(deps.dir, '.git')).catch(() => null);
  if (!gitdir?.isDirectory()) throw new ToolError('not_found', 'no git repository in the job workspace; create one with git_init');
}

/** The checked-out branch; tools that move a branch refuse a detached HEAD rather than guess. */
export async function needBranch(deps: GitToolDeps, action: string): Promise<string> {
  const branch = await deps.refs.currentBranch();
  if (!branch) throw new ToolError('invalid', `HEAD is detached (or not a branch under refs/heads); check out a branch with git_branch before ${action}`);
  return branch;
}

/**
 * Runs a tool body; any failure that is not already a ToolError is reported by its code only.
 * With `locked`, the body runs alone on the repository (stateless HTTP sessions can overlap,
 * and the clone's sync takes the same lock).
 */
export function guarded<A, R>(action: string, run: (args: A, deps: GitToolDeps) => Promise<R>, locked = false): (args: A, deps: GitToolDeps) => Promise<R> {
  return async (args, deps) => {
    try {
      return locked ? await withRepoLock(deps.dir, () => run(args, deps)) : await run(args, deps);
    } catch (error) {
      throw gitFailure(action, error);
    }
  };
}
