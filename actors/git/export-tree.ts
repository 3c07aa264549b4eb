import { gitFs as fs } from './git-fs.js';
import git from 'isomorphic-git';
import { clearFolderExcept, writeFileUnder } from '../fs/safe-write.js';

/**
 * Writes every file of `commit` into `target`, bytes as stored. Entries of
 * `target` not named in `keep` are removed first, so the folder is exactly the
 * commit plus what the caller chose to keep (an installed node_modules).
 * `target` is a build folder sandboxed steps wrote into: a kept name that
 * became a symlink is removed, and no write follows a symlink.
 */
export async function exportTree(repo: string, commit: string, target: string, keep: ReadonlySet<string> = new Set()): Promise<string[]> {
  await clearFolderExcept(target, keep);
  const paths = await git.listFiles({ fs, dir: repo, ref: commit });
  for (const path of paths) {
    const { blob } = await git.readBlob({ fs, dir: repo, oid: commit, filepath: path });
    await writeFileUnder(target, path, blob);
  }
  return paths;
}
