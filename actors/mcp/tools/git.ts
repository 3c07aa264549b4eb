import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import git, { Errors } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { z } from 'zod';
import { gitFs as fs } from '../../git/git-fs.js';
import { AUTHOR } from '../../git/repo.js';
import { BranchName, RemoteName, RepoPath, Revision } from '../git-args.js';
import { worktreeChanges } from '../git-diff.js';
import { ToolError, toolFor, type ToolDefinition } from '../tool.js';
import { guarded, needBranch, needRepo, type GitToolDeps } from './git-deps.js';
import { gitDiff, gitLog, gitStatus, searchRepositories } from './git-read.js';

export { gitToolDeps, type GitToolDeps } from './git-deps.js';

const tool = toolFor<GitToolDeps>();

export const gitInit = tool({
  name: 'git_init',
  description: 'Create the git repository in the job workspace (branch main); an existing one is left as it is.',
  inputSchema: z.object({}).strict(),
  outputSchema: z.object({ created: z.boolean(), branch: z.string() }),
  handler: guarded(
    'git_init',
    async (_args, { dir, refs }) => {
      if (await lstat(join(dir, '.git')).catch(() => null)) return { created: false, branch: (await refs.currentBranch()) ?? 'HEAD' };
      await mkdir(dir, { recursive: true });
      await git.init({ fs, dir, defaultBranch: 'main' });
      return { created: true, branch: 'main' };
    },
    true,
  ),
});

export const gitCommit = tool({
  name: 'git_commit',
  description: 'Stage every change in the working tree (or only `paths`) and commit it.',
  inputSchema: z.object({ message: z.string().min(1).max(5000), paths: z.array(RepoPath).max(500).optional() }).strict(),
  outputSchema: z.object({ commit: z.string(), files: z.array(z.string()) }),
  handler: guarded(
    'git_commit',
    async ({ message, paths }, deps) => {
      const { dir } = deps;
      await needRepo(deps);
      const branch = await needBranch(deps, 'committing');
      const wanted = paths ? new Set(paths) : null;
      const staged: string[] = [];
      for (const file of await worktreeChanges(dir)) {
        if (file.status === 'unchanged' || (wanted && !wanted.has(file.path))) continue;
        if (file.status === 'deleted') await git.remove({ fs, dir, filepath: file.path });
        else await git.add({ fs, dir, filepath: file.path });
        staged.push(file.path);
      }
      if (staged.length === 0) throw new ToolError('invalid', 'nothing to commit: the working tree matches HEAD (or none of `paths` changed)');
      // The branch is named, not taken from HEAD by isomorphic-git, so a tampered HEAD cannot choose where the commit id is written.
      const commit = await git.commit({ fs, dir, message, author: { ...AUTHOR }, ref: `refs/heads/${branch}` });
      return { commit, files: staged };
    },
    true,
  ),
});

export const gitBranch = tool({
  name: 'git_branch',
  description: 'List branches; with `name`, create that branch (from HEAD or `from`), and switch to it when checkout is true.',
  inputSchema: z.object({ name: BranchName.optional(), from: Revision.optional(), checkout: z.boolean().default(false) }).strict(),
  outputSchema: z.object({ current: z.string().nullable(), branches: z.array(z.string()), created: z.boolean() }),
  handler: guarded(
    'git_branch',
    async ({ name, from, checkout }, deps) => {
      const { dir, refs } = deps;
      await needRepo(deps);
      let created = false;
      if (name) {
        if ((await refs.branch(name, 'name')) === null) {
          const object = await refs.commit(from ?? 'HEAD', from ? 'from' : 'HEAD');
          await git.branch({ fs, dir, ref: name, object });
          created = true;
        }
        if (checkout) await git.checkout({ fs, dir, ref: name });
      }
      return { current: await refs.currentBranch(), branches: await git.listBranches({ fs, dir }), created };
    },
    true,
  ),
});

export const gitMerge = tool({
  name: 'git_merge',
  description: 'Merge branch `theirs` into the current branch and update the working tree; a conflict leaves everything unchanged and names the files.',
  inputSchema: z.object({ theirs: Revision, message: z.string().min(1).max(5000).optional() }).strict(),
  outputSchema: z.object({ commit: z.string(), fastForward: z.boolean(), alreadyMerged: z.boolean() }),
  handler: guarded(
    'git_merge',
    async ({ theirs, message }, deps) => {
      const { dir, refs } = deps;
      await needRepo(deps);
      const ours = await needBranch(deps, 'merging');
      const theirOid = await refs.commit(theirs, 'theirs');
      try {
        const result = await git.merge({ fs, dir, ours, theirs: theirOid, author: { ...AUTHOR }, message: message ?? `Merge ${theirs} into ${ours}` });
        // isomorphic-git's merge moves the branch but not the files.
        await git.checkout({ fs, dir, ref: ours, force: true });
        return { commit: result.oid ?? (await refs.head()) ?? '', fastForward: Boolean(result.fastForward), alreadyMerged: Boolean(result.alreadyMerged) };
      } catch (error) {
        if (error instanceof Errors.MergeConflictError) {
          throw new ToolError('failed', `merging ${theirs} into ${ours} conflicts in: ${error.data.filepaths.join(', ')}; nothing was changed`, { cause: error });
        }
        throw error;
      }
    },
    true,
  ),
});

export const gitPush = tool({
  name: 'git_push',
  description: 'Push a branch to a remote named in the daemon configuration (mcp.git.remotes); any other remote is refused.',
  inputSchema: z.object({ remote: RemoteName, ref: BranchName.optional() }).strict(),
  outputSchema: z.object({ remote: z.string(), ref: z.string(), ok: z.boolean() }),
  annotations: { openWorldHint: true },
  handler: guarded('git_push', async ({ remote, ref }, deps) => {
    const url = Object.hasOwn(deps.remotes, remote) ? deps.remotes[remote] : undefined;
    if (!url) {
      const known = Object.keys(deps.remotes);
      throw new ToolError('denied', `remote "${remote}" is not configured; ${known.length ? `use one of: ${known.join(', ')}` : 'add it under mcp.git.remotes in config.json'}`);
    }
    await needRepo(deps);
    const branch = ref ?? (await needBranch(deps, 'pushing'));
    if ((await deps.refs.branch(branch, 'ref')) === null) throw new ToolError('not_found', `ref: no local branch "${branch}"; list them with git_branch`);
    const result = await git.push({ fs, http, dir: deps.dir, url, ref: `refs/heads/${branch}` });
    return { remote, ref: branch, ok: result.ok };
  }),
});

/**
 * Every argument is hostile: refs are resolved by RefResolver (never by
 * isomorphic-git's lookup of client text), paths are repository-relative and
 * outside .git, remotes come from the configuration, and a failure inside
 * isomorphic-git is reported by its error code only (see gitFailure).
 * In the order clients have always listed them.
 */
export const GIT_TOOLS: ReadonlyArray<ToolDefinition<GitToolDeps>> = [gitInit, gitStatus, gitCommit, gitBranch, gitMerge, gitPush, gitLog, gitDiff, searchRepositories];
