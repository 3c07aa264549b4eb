import { constants } from 'node:fs';
import { lstat, open, readlink, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import git from 'isomorphic-git';
import { z } from 'zod';
import { gitFs as fs } from '../git/git-fs.js';
import { isPathInside } from '../fs/path-inside.js';

export const FileStatus = z.enum(['added', 'modified', 'deleted', 'untracked', 'unchanged']);
export type FileStatus = z.infer<typeof FileStatus>;

export interface FilePair {
  path: string;
  status: FileStatus;
  before: string | null;
  after: string | null;
}

const MAX_WORKTREE_FILE_BYTES = 2 * 1024 * 1024;

/** The statusMatrix rows as words; see isomorphic-git's statusMatrix for the [head, workdir, stage] codes. */
export async function worktreeChanges(dir: string): Promise<Array<{ path: string; status: FileStatus }>> {
  const matrix = await git.statusMatrix({ fs, dir });
  return matrix.map(([path, head, workdir, stage]) => {
    let status: FileStatus = 'modified';
    if (head === 1 && workdir === 1 && stage === 1) status = 'unchanged';
    else if (head === 0 && stage === 0) status = 'untracked';
    else if (head === 0) status = 'added';
    else if (workdir === 0) status = 'deleted';
    return { path, status };
  });
}

/** Each changed file of the working tree, before (at `head`) and after. */
export async function worktreePairs(dir: string, head: string | null): Promise<FilePair[]> {
  const pairs: FilePair[] = [];
  for (const file of await worktreeChanges(dir)) {
    if (file.status === 'unchanged') continue;
    const before = head ? await blobText(dir, head, file.path) : null;
    const after = file.status === 'deleted' ? null : await worktreeText(dir, file.path);
    if (before !== after) pairs.push({ ...file, before, after });
  }
  return pairs;
}

/** Each file that differs between two commits. */
export async function commitPairs(dir: string, from: string, to: string): Promise<FilePair[]> {
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
  const pairs: FilePair[] = [];
  for (const path of paths.filter((p): p is string => typeof p === 'string')) {
    const before = await blobText(dir, from, path);
    const after = await blobText(dir, to, path);
    pairs.push({ path, status: before === null ? 'added' : after === null ? 'deleted' : 'modified', before, after });
  }
  return pairs;
}

async function blobText(dir: string, oid: string, filepath: string): Promise<string | null> {
  try {
    const { blob } = await git.readBlob({ fs, dir, oid, filepath });
    return Buffer.from(blob).toString('utf8');
  } catch {
    return null;
  }
}

/**
 * A working-tree file's text as git would store it: a symlink is its target
 * path (never the file it points to, which may be anywhere on the host); a
 * file is read without following a link, and only under `dir`.
 */
async function worktreeText(dir: string, path: string): Promise<string | null> {
  const full = join(dir, path);
  const realDir = await realpath(dir);
  const parent = await realpath(dirname(full)).catch(() => null);
  if (parent === null || !isPathInside(realDir, parent)) return null;
  const stat = await lstat(full).catch(() => null);
  if (!stat) return null;
  if (stat.isSymbolicLink()) return readlink(full);
  if (!stat.isFile() || stat.size > MAX_WORKTREE_FILE_BYTES) return null;
  const handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => null);
  if (!handle) return null;
  try {
    if (!(await handle.stat()).isFile()) return null;
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

