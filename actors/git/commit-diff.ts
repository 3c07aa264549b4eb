import git from 'isomorphic-git';
import { structuredPatch } from 'diff';
import { TASK_DIFF_LIMITS, type DiffFile, type DiffFileStatus } from '../../proto/index.js';
import { gitFs as fs } from './git-fs.js';
import { treeBlobs, type TreeBlob } from './tree-blobs.js';

export interface CommitDiff {
  parent: string | null;
  files: DiffFile[];
  truncated: boolean;
}

type Limits = typeof TASK_DIFF_LIMITS;

async function blobBytes(repo: string, oid: string): Promise<Uint8Array> {
  return (await git.readBlob({ fs, dir: repo, oid })).blob;
}

/** Git's own test: a NUL in the first 8000 bytes makes a file binary. */
function isBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8000).includes(0);
}

function changeOf(before: TreeBlob | undefined, after: TreeBlob | undefined): DiffFileStatus {
  return before === undefined ? 'added' : after === undefined ? 'deleted' : 'modified';
}

/**
 * What `commit` changed against its first parent (every file added for a
 * root commit), as unified hunks within `limits`. Read from git objects only:
 * the working tree, which a running job may be rewriting, is never touched.
 */
export async function commitDiff(repo: string, commit: string, limits: Limits = TASK_DIFF_LIMITS): Promise<CommitDiff> {
  const { commit: object } = await git.readCommit({ fs, dir: repo, oid: commit });
  const parent = object.parent[0] ?? null;
  const after = await treeBlobs(repo, commit);
  const before = parent === null ? new Map<string, TreeBlob>() : await treeBlobs(repo, parent);
  const paths = [...new Set([...before.keys(), ...after.keys()])]
    .filter((path) => before.get(path)?.oid !== after.get(path)?.oid || before.get(path)?.mode !== after.get(path)?.mode)
    .sort();
  let truncated = paths.length > limits.maxFiles;
  let linesLeft = limits.maxLines;
  const files: DiffFile[] = [];
  for (const path of paths.slice(0, limits.maxFiles)) {
    const a = before.get(path);
    const b = after.get(path);
    const base = { path, status: changeOf(a, b) };
    const [old, now] = [a ? await blobBytes(repo, a.oid) : new Uint8Array(), b ? await blobBytes(repo, b.oid) : new Uint8Array()];
    if (isBinary(old) || isBinary(now)) {
      files.push({ ...base, additions: null, deletions: null, hunks: [], omitted: 'binary' });
      continue;
    }
    if (old.length > limits.maxFileBytes || now.length > limits.maxFileBytes) {
      files.push({ ...base, additions: null, deletions: null, hunks: [], omitted: 'too_large' });
      truncated = true;
      continue;
    }
    const patch = structuredPatch(path, path, Buffer.from(old).toString('utf8'), Buffer.from(now).toString('utf8'), '', '', { context: 3 });
    const count = (sign: string) => patch.hunks.reduce((sum, h) => sum + h.lines.filter((l) => l.startsWith(sign)).length, 0);
    const lines = patch.hunks.reduce((sum, h) => sum + h.lines.length, 0);
    const fits = lines <= linesLeft;
    if (fits) linesLeft -= lines;
    else truncated = true;
    files.push({
      ...base,
      additions: count('+'),
      deletions: count('-'),
      hunks: fits
        ? patch.hunks.map((h) => ({
            oldStart: h.oldStart,
            oldLines: h.oldLines,
            newStart: h.newStart,
            newLines: h.newLines,
            lines: h.lines.map((l) => {
              if (l.length <= limits.maxLineChars) return l;
              truncated = true;
              return `${l.slice(0, limits.maxLineChars)}…`;
            }),
          }))
        : [],
      omitted: fits ? null : 'limit',
    });
  }
  return { parent, files, truncated };
}
