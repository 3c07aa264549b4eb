import { gitFs as fs } from './git-fs.js';
import git from 'isomorphic-git';
import { clearFolderExcept, writeFileUnder } from '../fs/safe-write.js';
import { treeBlobs, type TreeBlob } from './tree-blobs.js';

/**
 * Writes every file of `commit` into `target`, bytes as stored. Entries of
 * `target` not named in `keep` are removed first, so the folder is exactly the
 * commit plus what the caller chose to keep (an installed node_modules).
 * Returns what it wrote: each path with its mode and blob id.
 * `target` is a build folder sandboxed steps wrote into: a kept name that
 * became a symlink is removed, and no write follows a symlink.
 */
export async function exportTree(repo: string, commit: string, target: string, keep: ReadonlySet<string> = new Set()): Promise<Map<string, TreeBlob>> {
  await clearFolderExcept(target, keep);
  // One walk of the tree objects, then each blob by its id: reading by path walks the tree again for every file.
  const blobs = await treeBlobs(repo, commit);
  for (const [path, { oid }] of blobs) {
    const { blob } = await git.readBlob({ fs, dir: repo, oid });
    await writeFileUnder(target, path, blob);
  }
  return blobs;
}
