import { gitFs as fs } from './git-fs.js';
import git from 'isomorphic-git';
import type { RepoSnapshot } from '../../proto/index.js';
import { headCommit } from './repo.js';

export interface SnapshotLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
}

const DEFAULT_LIMITS: SnapshotLimits = { maxFileBytes: 64 * 1024, maxTotalBytes: 2 * 1024 * 1024 };

/**
 * The text files of HEAD, read from git objects rather than the working tree,
 * so a snapshot is exactly a commit. Large files are left out: workers read
 * snapshots for context, not to reproduce the repository.
 */
export async function snapshotHead(
  dir: string,
  at?: string,
  limits: SnapshotLimits = DEFAULT_LIMITS,
): Promise<RepoSnapshot | null> {
  const commit = at ?? (await headCommit(dir));
  if (!commit) return null;
  const files: RepoSnapshot['files'] = [];
  let total = 0;
  for (const path of await git.listFiles({ fs, dir, ref: commit })) {
    const { blob } = await git.readBlob({ fs, dir, oid: commit, filepath: path });
    if (blob.byteLength > limits.maxFileBytes || total + blob.byteLength > limits.maxTotalBytes) continue;
    const content = Buffer.from(blob).toString('utf8');
    if (content.includes('\u0000')) continue;
    files.push({ path, content });
    total += blob.byteLength;
  }
  return { commit, files };
}
