import { gitFs as fs } from '../../git/git-fs.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createTwoFilesPatch } from 'diff';
import git, { Errors } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { z } from 'zod';
import { AUTHOR, headCommit } from '../../git/repo.js';
import { searchJobRepositories } from '../repo-search.js';
import { defineTool, ToolError } from '../tool.js';

export interface GitServerOptions {
  /** The job's repository (its working tree). */
  dir: string;
  /** Every job's folder, for search_repositories. */
  jobsDir: string;
  /** The only remotes git_push may push to, by name. */
  remotes: Readonly<Record<string, string>>;
  maxDiffChars?: number;
}

const BranchName = z.string().min(1).max(100).regex(/^(?!.*\.\.)(?!\/)[A-Za-z0-9._/-]+(?<!\/)$/, 'must be a plain branch name');
const Ref = z.string().min(1).max(100).regex(/^[A-Za-z0-9._/~^-]+$/, 'must be a branch, tag or commit id');
const FileStatus = z.enum(['added', 'modified', 'deleted', 'untracked', 'unchanged']);

export function createGitServer(options: GitServerOptions): McpServer {
  const server = new McpServer({ name: 'autodev-git', version: '0.1.0' });
  const { dir } = options;
  const needRepo = async () => {
    if (!(await headCommit(dir)) && !fs.existsSync(join(dir, '.git'))) {
      throw new ToolError('not_found', `no git repository in the job workspace; create one with git_init`);
    }
  };

  defineTool(
    server,
    'git_init',
    {
      description: 'Create the git repository in the job workspace (branch main); an existing one is left as it is.',
      input: z.object({}).strict(),
      output: z.object({ created: z.boolean(), branch: z.string() }),
    },
    async () => {
      if (fs.existsSync(join(dir, '.git'))) return { created: false, branch: (await git.currentBranch({ fs, dir })) ?? 'HEAD' };
      await fs.promises.mkdir(dir, { recursive: true });
      await git.init({ fs, dir, defaultBranch: 'main' });
      return { created: true, branch: 'main' };
    },
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
    async () => {
      await needRepo();
      const files = (await changes(dir)).filter((f) => f.status !== 'unchanged');
      return { branch: (await git.currentBranch({ fs, dir })) ?? null, head: await headCommit(dir), files };
    },
  );

  defineTool(
    server,
    'git_commit',
    {
      description: 'Stage every change in the working tree (or only `paths`) and commit it.',
      input: z.object({ message: z.string().min(1).max(5000), paths: z.array(z.string().min(1).max(500)).max(500).optional() }).strict(),
      output: z.object({ commit: z.string(), files: z.array(z.string()) }),
    },
    async ({ message, paths }) => {
      await needRepo();
      const wanted = paths ? new Set(paths) : null;
      const staged: string[] = [];
      for (const file of await changes(dir)) {
        if (file.status === 'unchanged' || (wanted && !wanted.has(file.path))) continue;
        if (file.status === 'deleted') await git.remove({ fs, dir, filepath: file.path });
        else await git.add({ fs, dir, filepath: file.path });
        staged.push(file.path);
      }
      if (staged.length === 0) throw new ToolError('invalid', 'nothing to commit: the working tree matches HEAD (or none of `paths` changed)');
      const commit = await git.commit({ fs, dir, message, author: { ...AUTHOR } });
      return { commit, files: staged };
    },
  );

  defineTool(
    server,
    'git_branch',
    {
      description: 'List branches; with `name`, create that branch (from HEAD or `from`), and switch to it when checkout is true.',
      input: z.object({ name: BranchName.optional(), from: Ref.optional(), checkout: z.boolean().default(false) }).strict(),
      output: z.object({ current: z.string().nullable(), branches: z.array(z.string()), created: z.boolean() }),
    },
    async ({ name, from, checkout }) => {
      await needRepo();
      let created = false;
      if (name) {
        const existing = await git.listBranches({ fs, dir });
        if (!existing.includes(name)) {
          const object = from ? await resolve(dir, from) : undefined;
          await git.branch({ fs, dir, ref: name, ...(object ? { object } : {}) });
          created = true;
        }
        if (checkout) await git.checkout({ fs, dir, ref: name });
      }
      return { current: (await git.currentBranch({ fs, dir })) ?? null, branches: await git.listBranches({ fs, dir }), created };
    },
  );

  defineTool(
    server,
    'git_merge',
    {
      description: 'Merge branch `theirs` into the current branch and update the working tree; a conflict leaves everything unchanged and names the files.',
      input: z.object({ theirs: Ref, message: z.string().min(1).max(5000).optional() }).strict(),
      output: z.object({ commit: z.string(), fastForward: z.boolean(), alreadyMerged: z.boolean() }),
    },
    async ({ theirs, message }) => {
      await needRepo();
      const ours = await git.currentBranch({ fs, dir });
      if (!ours) throw new ToolError('invalid', 'HEAD is detached; check out a branch with git_branch before merging');
      try {
        const result = await git.merge({ fs, dir, ours, theirs, author: { ...AUTHOR }, ...(message ? { message } : {}) });
        // isomorphic-git's merge moves the branch but not the files.
        await git.checkout({ fs, dir, ref: ours, force: true });
        return { commit: result.oid ?? (await headCommit(dir)) ?? '', fastForward: Boolean(result.fastForward), alreadyMerged: Boolean(result.alreadyMerged) };
      } catch (error) {
        if (error instanceof Errors.MergeConflictError) {
          throw new ToolError('failed', `merging ${theirs} into ${ours} conflicts in: ${error.data.filepaths.join(', ')}; nothing was changed`, { cause: error });
        }
        if (error instanceof Errors.NotFoundError) throw new ToolError('not_found', `no branch or commit "${theirs}"`, { cause: error });
        throw error;
      }
    },
  );

  defineTool(
    server,
    'git_push',
    {
      description: 'Push a branch to a remote named in the daemon configuration (mcp.git.remotes); any other remote is refused.',
      input: z.object({ remote: z.string().min(1).max(100), ref: BranchName.optional() }).strict(),
      output: z.object({ remote: z.string(), ref: z.string(), ok: z.boolean() }),
      annotations: { openWorldHint: true },
    },
    async ({ remote, ref }) => {
      const url = Object.hasOwn(options.remotes, remote) ? options.remotes[remote] : undefined;
      if (!url) {
        const known = Object.keys(options.remotes);
        throw new ToolError('denied', `remote "${remote}" is not configured; ${known.length ? `use one of: ${known.join(', ')}` : 'add it under mcp.git.remotes in config.json'}`);
      }
      await needRepo();
      const branch = ref ?? (await git.currentBranch({ fs, dir })) ?? 'main';
      const result = await git.push({ fs, http, dir, url, ref: branch });
      return { remote, ref: branch, ok: result.ok };
    },
  );

  defineTool(
    server,
    'git_log',
    {
      description: 'The newest commits reachable from a ref (HEAD by default).',
      input: z.object({ ref: Ref.default('HEAD'), depth: z.number().int().min(1).max(200).default(20) }).strict(),
      output: z.object({ commits: z.array(z.object({ oid: z.string(), message: z.string(), author: z.string(), timestamp: z.number().int() })) }),
      annotations: { readOnlyHint: true },
    },
    async ({ ref, depth }) => {
      await needRepo();
      if (!(await headCommit(dir))) return { commits: [] };
      const entries = await git.log({ fs, dir, ref, depth });
      return {
        commits: entries.map((e) => ({ oid: e.oid, message: e.commit.message, author: e.commit.author.name, timestamp: e.commit.author.timestamp })),
      };
    },
  );

  defineTool(
    server,
    'git_diff',
    {
      description: 'Unified diff of the working tree against HEAD, or between two commits when `from` and `to` are given.',
      input: z.object({ from: Ref.optional(), to: Ref.optional() }).strict(),
      output: z.object({ files: z.array(z.object({ path: z.string(), status: FileStatus })), patch: z.string(), truncated: z.boolean() }),
      annotations: { readOnlyHint: true },
    },
    async ({ from, to }) => {
      await needRepo();
      if (Boolean(from) !== Boolean(to)) throw new ToolError('invalid', 'give both `from` and `to`, or neither to diff the working tree against HEAD');
      const max = options.maxDiffChars ?? 100_000;
      const pairs = from && to ? await commitPairs(dir, await resolve(dir, from), await resolve(dir, to)) : await worktreePairs(dir);
      let patch = '';
      for (const p of pairs) patch += createTwoFilesPatch(`a/${p.path}`, `b/${p.path}`, p.before ?? '', p.after ?? '');
      return { files: pairs.map((p) => ({ path: p.path, status: p.status })), patch: patch.slice(0, max), truncated: patch.length > max };
    },
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
    async ({ query, maxResults, caseSensitive }) => searchJobRepositories(options.jobsDir, query, { maxResults, caseSensitive }),
  );
  return server;
}

type Status = z.infer<typeof FileStatus>;

/** The statusMatrix rows as words; see isomorphic-git's statusMatrix for the [head, workdir, stage] codes. */
async function changes(dir: string): Promise<Array<{ path: string; status: Status }>> {
  const matrix = await git.statusMatrix({ fs, dir });
  return matrix.map(([path, head, workdir, stage]) => {
    let status: Status = 'modified';
    if (head === 1 && workdir === 1 && stage === 1) status = 'unchanged';
    else if (head === 0 && stage === 0) status = 'untracked';
    else if (head === 0) status = 'added';
    else if (workdir === 0) status = 'deleted';
    return { path, status };
  });
}

async function resolve(dir: string, ref: string): Promise<string> {
  try {
    if (/^[0-9a-f]{4,40}$/.test(ref)) return await git.expandOid({ fs, dir, oid: ref });
    return await git.resolveRef({ fs, dir, ref });
  } catch (error) {
    throw new ToolError('not_found', `no branch, tag or commit "${ref}"`, { cause: error });
  }
}

interface Pair {
  path: string;
  status: Status;
  before: string | null;
  after: string | null;
}

async function blobText(dir: string, oid: string, filepath: string): Promise<string | null> {
  try {
    const { blob } = await git.readBlob({ fs, dir, oid, filepath });
    return Buffer.from(blob).toString('utf8');
  } catch {
    return null;
  }
}

async function worktreePairs(dir: string): Promise<Pair[]> {
  const head = await headCommit(dir);
  const pairs: Pair[] = [];
  for (const file of await changes(dir)) {
    if (file.status === 'unchanged') continue;
    const before = head ? await blobText(dir, head, file.path) : null;
    const after = file.status === 'deleted' ? null : await readFile(join(dir, file.path), 'utf8').catch(() => null);
    if (before !== after) pairs.push({ ...file, before, after });
  }
  return pairs;
}

async function commitPairs(dir: string, from: string, to: string): Promise<Pair[]> {
  const paths = (await git.walk({
    fs,
    dir,
    trees: [git.TREE({ ref: from }), git.TREE({ ref: to })],
    map: async (path, [a, b]) => {
      if (path === '.') return undefined;
      const type = (await a?.type()) ?? (await b?.type());
      if (type !== 'blob') return undefined;
      const [oa, ob] = [await a?.oid(), await b?.oid()];
      return oa === ob ? undefined : path;
    },
  })) as Array<string | undefined>;
  const pairs: Pair[] = [];
  for (const path of paths.filter((p): p is string => typeof p === 'string')) {
    const before = await blobText(dir, from, path);
    const after = await blobText(dir, to, path);
    pairs.push({ path, status: before === null ? 'added' : after === null ? 'deleted' : 'modified', before, after });
  }
  return pairs;
}
