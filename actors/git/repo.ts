import { gitFs as fs } from './git-fs.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import git from 'isomorphic-git';
import { parseTrailers } from '../../proto/trailers.js';

export const AUTHOR = { name: 'autodev', email: 'autodev@localhost' } as const;

export interface InitialFile {
  path: string;
  content: string;
}

/** Creates the job's repository with one initial commit; a second call changes nothing. */
export async function initJobRepo(dir: string, files: readonly InitialFile[], message: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const existing = await headCommit(dir);
  if (existing) return existing;
  await git.init({ fs, dir, defaultBranch: 'main' });
  return commitFiles(dir, files, message);
}

export async function headCommit(dir: string): Promise<string | null> {
  try {
    return await git.resolveRef({ fs, dir, ref: 'HEAD' });
  } catch {
    return null;
  }
}

const locks = new Map<string, Promise<unknown>>();

/**
 * Runs `work` alone on one repository: concurrent isomorphic-git writes on one
 * branch would race on its ref, and a checkout must not interleave with a commit.
 */
export function withRepoLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const previous = locks.get(dir) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(work);
  locks.set(dir, run);
  void run
    .catch(() => undefined)
    .finally(() => {
      if (locks.get(dir) === run) locks.delete(dir);
    });
  return run;
}

/** Writes files and commits them on the checked-out branch. Calls on one repository are serialised. */
export function commitFiles(dir: string, files: readonly InitialFile[], message: string): Promise<string> {
  return withRepoLock(dir, async () => {
    for (const file of files) {
      const target = join(dir, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content);
      await git.add({ fs, dir, filepath: file.path });
    }
    return git.commit({ fs, dir, message, author: { ...AUTHOR } });
  });
}

export async function commitMessages(dir: string): Promise<Array<{ oid: string; message: string }>> {
  const log = await git.log({ fs, dir });
  // isomorphic-git's log can list a commit once per path that reaches it through merges.
  const seen = new Set<string>();
  return log.filter((entry) => !seen.has(entry.oid) && seen.add(entry.oid)).map((entry) => ({ oid: entry.oid, message: entry.commit.message }));
}

/** The newest commit on HEAD whose trailers include all of `wanted`, or null. */
export async function findCommitWithTrailers(dir: string, wanted: Record<string, string>): Promise<string | null> {
  if (!(await headCommit(dir))) return null;
  for (const { oid, message } of await commitMessages(dir)) {
    const trailers = parseTrailers(message);
    if (Object.entries(wanted).every(([k, v]) => trailers[k] === v)) return oid;
  }
  return null;
}

/** Paths whose content a commit changed compared with its first parent. */
export async function changedFiles(dir: string, oid: string): Promise<string[]> {
  const { commit } = await git.readCommit({ fs, dir, oid });
  const parent = commit.parent[0];
  const trees = parent ? [git.TREE({ ref: oid }), git.TREE({ ref: parent })] : [git.TREE({ ref: oid })];
  const changed = await git.walk({
    fs,
    dir,
    trees,
    map: async (path, entries) => {
      const [mine, theirs] = entries;
      if (path === '.' || !mine || (await mine.type()) !== 'blob') return undefined;
      const before = theirs ? await theirs.oid() : null;
      return (await mine.oid()) === before ? undefined : path;
    },
  });
  return (changed as Array<string | undefined>).filter((p): p is string => typeof p === 'string');
}

/** A file's text at a commit, or null when the commit does not have it. */
export async function readFileAt(dir: string, commit: string | null, path: string): Promise<string | null> {
  if (!commit) return null;
  try {
    const { blob } = await git.readBlob({ fs, dir, oid: commit, filepath: path });
    return Buffer.from(blob).toString('utf8');
  } catch {
    return null;
  }
}
