import git, { Errors, type MergeDriverCallback } from 'isomorphic-git';
import { merge as mergeLines } from 'node-diff3';
import type { GeneratedFile } from '../../proto/index.js';
import { gitFs as fs } from '../git/git-fs.js';
import { AUTHOR } from '../git/repo.js';
import { treeWithFiles } from '../git/tree.js';
import { treeBlobs, type TreeBlob } from '../git/tree-blobs.js';

export interface CandidateInput {
  /** The commit the worker's snapshot showed; null when it saw none (then HEAD is the base). */
  base: string | null;
  /** main's commit now; the candidate is what main would hold on top of it. */
  head: string | null;
  files: readonly GeneratedFile[];
  /** Names the task's side between conflict markers. */
  label: string;
}

export interface Candidate {
  head: string | null;
  /** The tree that main would point at: what gets validated, and what gets committed. */
  tree: string;
  /** Paths whose two sides overlapped; the tree holds both versions between markers. */
  conflicts: string[];
}

/**
 * The one merge strategy of the integration engine: the worker's files over
 * its base, merged line by line into HEAD (git's three-way merge of trees,
 * diff3 for files both sides changed). A file whose changes overlap is kept
 * with both versions between markers and reported, so the tree, the
 * conflicts and the later commit all come from this same merge.
 */
export async function buildCandidate(repo: string, input: CandidateInput): Promise<Candidate> {
  const base = input.base ?? input.head;
  if (base === input.head || (base && input.head && (await untouchedSince(repo, base, input.head, input.files)))) {
    return { head: input.head, tree: await treeWithFiles(repo, input.head, input.files), conflicts: [] };
  }
  const taskTree = await treeWithFiles(repo, base, input.files);
  const taskCommit = await git.commit({ fs, dir: repo, message: `candidate ${input.label}\n`, author: { ...AUTHOR }, tree: taskTree, parent: base ? [base] : [], noUpdateBranch: true });
  const conflicts = new Set<string>();
  const driver = conflictRecordingDriver(input.files, input.label, conflicts);
  try {
    const merged = await git.merge({
      fs,
      dir: repo,
      ours: input.head as string,
      theirs: taskCommit,
      noUpdateBranch: true,
      abortOnConflict: true,
      fastForward: false,
      author: { ...AUTHOR },
      message: `candidate merge ${input.label}\n`,
      mergeDriver: driver,
    });
    const tree = merged.tree ?? (await git.readCommit({ fs, dir: repo, oid: merged.oid as string })).commit.tree;
    return { head: input.head, tree, conflicts: [...conflicts].sort() };
  } catch (error) {
    // Deleted on one side and changed on the other, or a file against a folder: git
    // has no line merge for these; the task's version wins and the path is a conflict.
    if (!(error instanceof Errors.MergeConflictError) && !(error instanceof Errors.MergeNotSupportedError)) throw error;
    const paths = error instanceof Errors.MergeConflictError ? error.data.filepaths : input.files.map((f) => f.path);
    for (const path of paths) conflicts.add(path);
    return { head: input.head, tree: await treeWithFiles(repo, input.head, input.files), conflicts: [...conflicts].sort() };
  }
}

/**
 * Whether main left every path the task wrote as the task saw it: then the
 * three-way merge can only give HEAD with the task's files over it, and
 * that tree is written directly (a merge costs a commit and a tree walk).
 * A path that is a folder on either side, or that runs through a file, is
 * left to the merge, which reports it as a conflict.
 */
async function untouchedSince(repo: string, base: string, head: string, files: readonly GeneratedFile[]): Promise<boolean> {
  const [before, now] = await Promise.all([treeBlobs(repo, base), treeBlobs(repo, head)]);
  const folders = (blobs: ReadonlyMap<string, TreeBlob>) => new Set([...blobs.keys()].flatMap((path) => path.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  const folderPaths = new Set([...folders(before), ...folders(now)]);
  return files.every((file) => {
    if (folderPaths.has(file.path)) return false;
    const ancestors = file.path.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    if (ancestors.some((a) => before.has(a) || now.has(a))) return false;
    const a = before.get(file.path);
    const b = now.get(file.path);
    return a?.oid === b?.oid && a?.mode === b?.mode;
  });
}

/**
 * isomorphic-git hands its merge driver only a file's base name, so the full
 * path is found from the task's side of the merge: that content is one of the
 * files the worker wrote.
 */
function conflictRecordingDriver(files: readonly GeneratedFile[], label: string, conflicts: Set<string>): MergeDriverCallback {
  return ({ contents, path }) => {
    const [baseText, headText, taskText] = contents as [string, string, string];
    const result = mergeLines(headText.split('\n'), baseText.split('\n'), taskText.split('\n'), { label: { a: 'HEAD', b: label } });
    if (result.conflict) {
      for (const file of files) {
        if (file.content === taskText && (file.path === path || file.path.endsWith(`/${path}`))) conflicts.add(file.path);
      }
    }
    // Always clean for git: the markers stay in the text and the path is reported instead.
    return { cleanMerge: true, mergedText: result.result.join('\n') };
  };
}
