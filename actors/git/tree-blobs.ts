import { gitFs as fs } from './git-fs.js';
import git from 'isomorphic-git';

export interface TreeBlob {
  mode: string;
  oid: string;
}

/** Every file of a commit's tree with its mode and blob id, read from tree objects alone (no file content). */
export async function treeBlobs(repo: string, commit: string): Promise<Map<string, TreeBlob>> {
  const blobs = new Map<string, TreeBlob>();
  const visit = async (oid: string, prefix: string): Promise<void> => {
    const { tree } = await git.readTree({ fs, dir: repo, oid });
    for (const entry of tree) {
      const path = `${prefix}${entry.path}`;
      if (entry.type === 'tree') await visit(entry.oid, `${path}/`);
      else if (entry.type === 'blob') blobs.set(path, { mode: entry.mode, oid: entry.oid });
    }
  };
  await visit(commit, '');
  return blobs;
}

/** Path → `mode:oid`: two trees hold the same file when these are equal (a file that became executable differs). */
export function blobIdentities(blobs: ReadonlyMap<string, TreeBlob>): Map<string, string> {
  return new Map([...blobs].map(([path, blob]) => [path, `${blob.mode}:${blob.oid}`]));
}
