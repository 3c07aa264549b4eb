import { gitFs as fs } from './git-fs.js';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import git from 'isomorphic-git';

/**
 * Writes every file of `commit` into `target`, bytes as stored. Entries of
 * `target` not named in `keep` are removed first, so the folder is exactly the
 * commit plus what the caller chose to keep (an installed node_modules).
 */
export async function exportTree(repo: string, commit: string, target: string, keep: ReadonlySet<string> = new Set()): Promise<string[]> {
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(target)) {
    if (!keep.has(entry)) await rm(join(target, entry), { recursive: true, force: true });
  }
  const paths = await git.listFiles({ fs, dir: repo, ref: commit });
  for (const path of paths) {
    const { blob } = await git.readBlob({ fs, dir: repo, oid: commit, filepath: path });
    const file = join(target, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, blob);
  }
  return paths;
}
