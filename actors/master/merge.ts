import type { GeneratedFile } from '../../proto/index.js';
import { headCommit, readFileAt } from '../git/repo.js';

export interface MergeOutcome {
  files: GeneratedFile[];
  conflicts: string[];
}

/**
 * A worker wrote its files against the snapshot it was given; other tasks may
 * have committed since. A file that changed on HEAD since that base, and that
 * the worker wrote differently, is a conflict: like git, it is committed with
 * both versions between markers, for a merge task to resolve.
 */
export async function mergeOntoHead(repo: string, base: string | null, files: readonly GeneratedFile[], label: string): Promise<MergeOutcome> {
  const head = await headCommit(repo);
  if (head === base) return { files: [...files], conflicts: [] };
  const merged: GeneratedFile[] = [];
  const conflicts: string[] = [];
  for (const file of files) {
    const [before, current] = await Promise.all([readFileAt(repo, base, file.path), readFileAt(repo, head, file.path)]);
    if (current === null || current === before || current === file.content) {
      merged.push(file);
      continue;
    }
    conflicts.push(file.path);
    merged.push({ path: file.path, content: withMarkers(current, file.content, label) });
  }
  return { files: merged, conflicts };
}

function withMarkers(theirs: string, ours: string, label: string): string {
  const end = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);
  return `<<<<<<< HEAD\n${end(theirs)}=======\n${end(ours)}>>>>>>> ${label}\n`;
}

/** True when a file still holds unresolved conflict markers. */
export function hasConflictMarkers(content: string): boolean {
  return /^<<<<<<< .*$[\s\S]*?^=======$[\s\S]*?^>>>>>>> .*$/m.test(content);
}
