import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createTwoFilesPatch } from 'diff';
import git, { Errors } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { z } from 'zod';
import { gitFs as fs } from '../../git/git-fs.js';
import { AUTHOR, withRepoLock } from '../../git/repo.js';
import { BranchName, gitFailure, RemoteName, RepoPath, Revision } from '../git-args.js';
import { commitPairs, FileStatus, worktreeChanges, worktreePairs } from '../git-diff.js';
import { RefResolver } from '../git-ref-resolver.js';
import { searchJobRepositories } from '../repo-search.js';
import { defineTool, ToolError } from '../tool.js';

export interface GitServerOptions {
  /** The repository (its working tree) the tools work on. */
  dir: string;
  /** Every job's folder, for search_repositories. */
  jobsDir: string;
  /** The only remotes git_push may push to, by name. */
  remotes: Readonly<Record<string, string>>;
  maxDiffChars?: number;
}

/**
 * Every argument is hostile: refs are resolved by RefResolver (never by
 * isomorphic-git's lookup of client text), paths are repository-relative and
 * outside .git, remotes come from the configuration, and a failure inside
 * isomorphic-git is reported by its error code only (see gitFailure).
 */
export function createGitServer(options: GitServerOptions): McpServer {
  const server = new McpServer({ name: 'autodev-git', version: '0.1.0' });
  const { dir } = options;
  const refs = new RefResolver(dir);
  const needRepo = async () => {
    const gitdir = await lstat(join(dir, '.git')).catch(() => null);
    if (!gitdir?.isDirectory()) throw new ToolError('not_found', 'no git repository in the job workspace; create one with git_init');
  };
  /** The checked-out branch; tools that move a branch refuse a detached HEAD rather than guess. */
  const needBranch = async (action: string) => {
    const branch = await refs.currentBranch();
    if (!branch) throw new ToolError('invalid', `HEAD is detached (or not a branch under refs/heads); check out a branch with git_branch before ${action}`);
    return branch;
  };

  defineTool(
    server,
    'git_init',
    {
      description: 'Create the git repository in the job workspace (branch main); an existing one is left as it is.',
      input: z.object({}).strict(),
      output: z.object({ created: z.boolean(), branch: z.string() }),
    },
    guarded('git_init', async () => {
      if (await lstat(join(dir, '.git')).catch(() => null)) return { created: false, branch: (await refs.currentBranch()) ?? 'HEAD' };
      await mkdir(dir, { recursive: true });
      await git.init({ fs, dir, defaultBranch: 'main' });
      return { created: true, branch: 'main' };
    }, dir),
  );

  defineTool(
    server,
    'git_status',
    {
      description: 'List the files that differ from HEAD in the working tree.',
      input: z.object({}).strict(),
      output: z.object({ branch: z.string().nullable(), head: z.string().nullable(), files: z.array(z.object({ path: z.string(), status: FileStatus })) }),
      annotations: { readOnlyHint: true },
    },
    guarded('git_status', async () => {
      await needRepo();
      const files = (await worktreeChanges(dir)).filter((f) => f.status !== 'unchanged');
      return { branch: await refs.currentBranch(), head: await refs.head(), files };
    }),
  );

  defineTool(
    server,
    'git_commit',
    {
      description: 'Stage every change in the working tree (or only `paths`) and commit it.',
      input: z.object({ message: z.string().min(1).max(5000), paths: z.array(RepoPath).max(500).optional() }).strict(),
      output: z.object({ commit: z.string(), files: z.array(z.string()) }),
    },
    guarded('git_commit', async ({ message, paths }) => {
      await needRepo();
      const branch = await needBranch('committing');
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
    }, dir),
  );

  defineTool(
    server,
    'git_branch',
    {
      description: 'List branches; with `name`, create that branch (from HEAD or `from`), and switch to it when checkout is true.',
      input: z.object({ name: BranchName.optional(), from: Revision.optional(), checkout: z.boolean().default(false) }).strict(),
      output: z.object({ current: z.string().nullable(), branches: z.array(z.string()), created: z.boolean() }),
    },
    guarded('git_branch', async ({ name, from, checkout }) => {
      await needRepo();
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
    }, dir),
  );

  defineTool(
    server,
    'git_merge',
    {
      description: 'Merge branch `theirs` into the current branch and update the working tree; a conflict leaves everything unchanged and names the files.',
      input: z.object({ theirs: Revision, message: z.string().min(1).max(5000).optional() }).strict(),
      output: z.object({ commit: z.string(), fastForward: z.boolean(), alreadyMerged: z.boolean() }),
    },
    guarded('git_merge', async ({ theirs, message }) => {
      await needRepo();
      const ours = await needBranch('merging');
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
    }, dir),
  );

  defineTool(
    server,
    'git_push',
    {
      description: 'Push a branch to a remote named in the daemon configuration (mcp.git.remotes); any other remote is refused.',
      input: z.object({ remote: RemoteName, ref: BranchName.optional() }).strict(),
      output: z.object({ remote: z.string(), ref: z.string(), ok: z.boolean() }),
      annotations: { openWorldHint: true },
    },
    guarded('git_push', async ({ remote, ref }) => {
      const url = Object.hasOwn(options.remotes, remote) ? options.remotes[remote] : undefined;
      if (!url) {
        const known = Object.keys(options.remotes);
        throw new ToolError('denied', `remote "${remote}" is not configured; ${known.length ? `use one of: ${known.join(', ')}` : 'add it under mcp.git.remotes in config.json'}`);
      }
      await needRepo();
      const branch = ref ?? (await needBranch('pushing'));
      if ((await refs.branch(branch, 'ref')) === null) throw new ToolError('not_found', `ref: no local branch "${branch}"; list them with git_branch`);
      const result = await git.push({ fs, http, dir, url, ref: `refs/heads/${branch}` });
      return { remote, ref: branch, ok: result.ok };
    }),
  );

  defineTool(
    server,
    'git_log',
    {
      description: 'The newest commits reachable from a ref (HEAD by default).',
      input: z.object({ ref: Revision.default('HEAD'), depth: z.number().int().min(1).max(200).default(20) }).strict(),
      output: z.object({ commits: z.array(z.object({ oid: z.string(), message: z.string(), author: z.string(), timestamp: z.number().int() })) }),
      annotations: { readOnlyHint: true },
    },
    guarded('git_log', async ({ ref, depth }) => {
      await needRepo();
      if (ref === 'HEAD' && !(await refs.head())) return { commits: [] };
      const entries = await git.log({ fs, dir, ref: await refs.commit(ref, 'ref'), depth });
      return {
        commits: entries.map((e) => ({ oid: e.oid, message: e.commit.message, author: e.commit.author.name, timestamp: e.commit.author.timestamp })),
      };
    }),
  );

  defineTool(
    server,
    'git_diff',
    {
      description: 'Unified diff of the working tree against HEAD, or between two commits when `from` and `to` are given.',
      input: z.object({ from: Revision.optional(), to: Revision.optional() }).strict(),
      output: z.object({ files: z.array(z.object({ path: z.string(), status: FileStatus })), patch: z.string(), truncated: z.boolean() }),
      annotations: { readOnlyHint: true },
    },
    guarded('git_diff', async ({ from, to }) => {
      await needRepo();
      if (Boolean(from) !== Boolean(to)) throw new ToolError('invalid', 'give both `from` and `to`, or neither to diff the working tree against HEAD');
      const max = options.maxDiffChars ?? 100_000;
      const pairs = from && to ? await commitPairs(dir, await refs.commit(from, 'from'), await refs.commit(to, 'to')) : await worktreePairs(dir, await refs.head());
      let patch = '';
      for (const p of pairs) patch += createTwoFilesPatch(`a/${p.path}`, `b/${p.path}`, p.before ?? '', p.after ?? '');
      return { files: pairs.map((p) => ({ path: p.path, status: p.status })), patch: patch.slice(0, max), truncated: patch.length > max };
    }),
  );

  defineTool(
    server,
    'search_repositories',
    {
      description: "Search the text of every local job repository's working tree for a string.",
      input: z.object({ query: z.string().min(1).max(500), maxResults: z.number().int().min(1).max(500).default(50), caseSensitive: z.boolean().default(false) }).strict(),
      output: z.object({ hits: z.array(z.object({ jobId: z.string(), path: z.string(), line: z.number().int(), text: z.string() })), truncated: z.boolean() }),
      annotations: { readOnlyHint: true },
    },
    guarded('search_repositories', ({ query, maxResults, caseSensitive }) => searchJobRepositories(options.jobsDir, query, { maxResults, caseSensitive })),
  );
  return server;
}

/**
 * Runs a tool body; any failure that is not already a ToolError is reported by its code only.
 * With `lockDir`, the body runs alone on that repository (stateless HTTP sessions can overlap,
 * and the clone's sync takes the same lock).
 */
function guarded<A, R>(action: string, run: (args: A) => Promise<R>, lockDir?: string): (args: A) => Promise<R> {
  return async (args) => {
    try {
      return lockDir === undefined ? await run(args) : await withRepoLock(lockDir, () => run(args));
    } catch (error) {
      throw gitFailure(action, error);
    }
  };
}
