import git from 'isomorphic-git';
import { createTwoFilesPatch } from 'diff';
import { z } from 'zod';
import { gitFs as fs } from '../../git/git-fs.js';
import { Revision } from '../git-args.js';
import { commitPairs, FileStatus, worktreeChanges, worktreePairs } from '../git-diff.js';
import { searchJobRepositories } from '../repo-search.js';
import { ToolError, toolFor } from '../tool.js';
import { guarded, needRepo, type GitToolDeps } from './git-deps.js';

/** The git tools that change nothing: they take no repository lock. */
const tool = toolFor<GitToolDeps>();

export const gitStatus = tool({
  name: 'git_status',
  description: 'List the files that differ from HEAD in the working tree.',
  inputSchema: z.object({}).strict(),
  outputSchema: z.object({ branch: z.string().nullable(), head: z.string().nullable(), files: z.array(z.object({ path: z.string(), status: FileStatus })) }),
  annotations: { readOnlyHint: true },
  handler: guarded('git_status', async (_args, deps) => {
    await needRepo(deps);
    const files = (await worktreeChanges(deps.dir)).filter((f) => f.status !== 'unchanged');
    return { branch: await deps.refs.currentBranch(), head: await deps.refs.head(), files };
  }),
});

export const gitLog = tool({
  name: 'git_log',
  description: 'The newest commits reachable from a ref (HEAD by default).',
  inputSchema: z.object({ ref: Revision.default('HEAD'), depth: z.number().int().min(1).max(200).default(20) }).strict(),
  outputSchema: z.object({ commits: z.array(z.object({ oid: z.string(), message: z.string(), author: z.string(), timestamp: z.number().int() })) }),
  annotations: { readOnlyHint: true },
  handler: guarded('git_log', async ({ ref, depth }, deps) => {
    await needRepo(deps);
    if (ref === 'HEAD' && !(await deps.refs.head())) return { commits: [] };
    const entries = await git.log({ fs, dir: deps.dir, ref: await deps.refs.commit(ref, 'ref'), depth });
    return {
      commits: entries.map((e) => ({ oid: e.oid, message: e.commit.message, author: e.commit.author.name, timestamp: e.commit.author.timestamp })),
    };
  }),
});

export const gitDiff = tool({
  name: 'git_diff',
  description: 'Unified diff of the working tree against HEAD, or between two commits when `from` and `to` are given.',
  inputSchema: z.object({ from: Revision.optional(), to: Revision.optional() }).strict(),
  outputSchema: z.object({ files: z.array(z.object({ path: z.string(), status: FileStatus })), patch: z.string(), truncated: z.boolean() }),
  annotations: { readOnlyHint: true },
  handler: guarded('git_diff', async ({ from, to }, deps) => {
    const { dir, refs } = deps;
    await needRepo(deps);
    if (Boolean(from) !== Boolean(to)) throw new ToolError('invalid', 'give both `from` and `to`, or neither to diff the working tree against HEAD');
    const max = deps.maxDiffChars;
    const pairs = from && to ? await commitPairs(dir, await refs.commit(from, 'from'), await refs.commit(to, 'to')) : await worktreePairs(dir, await refs.head());
    let patch = '';
    for (const p of pairs) patch += createTwoFilesPatch(`a/${p.path}`, `b/${p.path}`, p.before ?? '', p.after ?? '');
    return { files: pairs.map((p) => ({ path: p.path, status: p.status })), patch: patch.slice(0, max), truncated: patch.length > max };
  }),
});

export const searchRepositories = tool({
  name: 'search_repositories',
  description: "Search the text of every local job repository's working tree for a string.",
  inputSchema: z.object({ query: z.string().min(1).max(500), maxResults: z.number().int().min(1).max(500).default(50), caseSensitive: z.boolean().default(false) }).strict(),
  outputSchema: z.object({ hits: z.array(z.object({ jobId: z.string(), path: z.string(), line: z.number().int(), text: z.string() })), truncated: z.boolean() }),
  annotations: { readOnlyHint: true },
  handler: guarded('search_repositories', ({ query, maxResults, caseSensitive }, deps) => searchJobRepositories(deps.jobsDir, query, { maxResults, caseSensitive })),
});
