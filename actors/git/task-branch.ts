import { gitFs as fs } from './git-fs.js';
import git, { Errors } from 'isomorphic-git';
import { AUTHOR, headCommit, withRepoLock } from './repo.js';
import { treeWithFiles } from './tree.js';

export interface TaskCommitInput {
  /** `task/<taskId>`; a retry moves the branch to its own commit. */
  branch: string;
  /** The commit the worker's snapshot showed; null means HEAD. */
  base: string | null;
  files: ReadonlyArray<{ path: string; content: string }>;
  /** The task's commit message, trailers included. */
  message: string;
  /** Used only when git's own merge conflicts: HEAD's tree with these files (conflict markers and all) written over it. */
  conflictFiles: ReadonlyArray<{ path: string; content: string }>;
  mergeMessage: string;
}

export interface TaskCommitOutcome {
  /** The task's own commit, on its branch. */
  commit: string;
  /** What main points at afterwards: the task commit (fast-forward) or a merge commit. */
  head: string;
  merge: 'fast-forward' | 'merged' | 'conflict';
  /** The paths git could not merge; empty unless `merge` is `conflict`. */
  conflictPaths: string[];
}

export function taskBranchName(taskId: string): string {
  return `task/${taskId}`;
}

/**
 * One task's atomic commit on its own branch, merged into main, with main's
 * working tree checked out afterwards (isomorphic-git's merge moves only the
 * ref). When git's line-level merge conflicts, the merge commit holds both
 * versions between markers, so the Master can hand it to a merge task.
 */
export function commitTaskAndMerge(dir: string, input: TaskCommitInput): Promise<TaskCommitOutcome> {
  return withRepoLock(dir, async () => {
    const head = await headCommit(dir);
    const parent = input.base ?? head;
    const tree = await treeWithFiles(dir, parent, input.files);
    const commit = await git.commit({
      fs,
      dir,
      message: input.message,
      author: { ...AUTHOR },
      tree,
      parent: parent ? [parent] : [],
      ref: `refs/heads/${input.branch}`,
    });
    let outcome: TaskCommitOutcome;
    if (head === null || head === parent) {
      await git.writeRef({ fs, dir, ref: 'refs/heads/main', value: commit, force: true });
      outcome = { commit, head: commit, merge: 'fast-forward', conflictPaths: [] };
    } else {
      try {
        const merged = await git.merge({
          fs,
          dir,
          ours: 'main',
          theirs: input.branch,
          author: { ...AUTHOR },
          message: input.mergeMessage,
          abortOnConflict: true,
        });
        outcome = { commit, head: merged.oid ?? (await headCommit(dir)) ?? commit, merge: 'merged', conflictPaths: [] };
      } catch (error) {
        if (!(error instanceof Errors.MergeConflictError)) throw error;
        const conflictTree = await treeWithFiles(dir, head, input.conflictFiles);
        const mergeCommit = await git.commit({
          fs,
          dir,
          message: input.mergeMessage,
          author: { ...AUTHOR },
          tree: conflictTree,
          parent: [head, commit],
          ref: 'refs/heads/main',
        });
        outcome = { commit, head: mergeCommit, merge: 'conflict', conflictPaths: error.data.filepaths };
      }
    }
    await git.checkout({ fs, dir, ref: 'main', force: true });
    return outcome;
  });
}

/** An annotated version tag on main's head; tagging the same commit twice is a no-op. */
export function tagVersion(dir: string, tag: string, message: string): Promise<string> {
  return withRepoLock(dir, async () => {
    const head = await headCommit(dir);
    if (!head) throw new Error(`cannot tag ${tag}: the repository ${dir} has no commits`);
    try {
      const existing = await git.resolveRef({ fs, dir, ref: `refs/tags/${tag}`, depth: 2 });
      const target = await git.readTag({ fs, dir, oid: existing }).then((t) => t.tag.object).catch(() => existing);
      if (target === head) return tag;
      throw new Error(`tag ${tag} already names another commit (${target.slice(0, 8)}); pick a new version`);
    } catch (error) {
      if (!(error instanceof Errors.NotFoundError)) throw error;
    }
    await git.annotatedTag({ fs, dir, ref: tag, message, object: head, tagger: { ...AUTHOR } });
    return tag;
  });
}
