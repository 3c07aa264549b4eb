import git from 'isomorphic-git';
import { gitFs as fs } from '../git/git-fs.js';
import { AUTHOR, headCommit } from '../git/repo.js';

export interface CandidateCommit {
  /** main's commit that the candidate was merged onto; the compare in compare-and-swap. */
  head: string | null;
  tree: string;
  message: string;
  /** Also pointed at the commit, so each task's latest attempt stays reachable by name. */
  branch: string;
  /** Runs after the commit object exists and before main moves to it (the attempt's record is saved here). */
  beforePublish: (commit: string) => Promise<void>;
}

/**
 * Moves main to a commit of exactly the validated tree, only if main is still
 * where the candidate was built from. The caller holds the repository lock.
 * Returns null when main moved: the candidate must be rebuilt and validated again.
 */
export async function commitIfHeadUnchanged(repo: string, input: CandidateCommit): Promise<string | null> {
  if ((await headCommit(repo)) !== input.head) return null;
  const commit = await git.commit({
    fs,
    dir: repo,
    message: input.message,
    author: { ...AUTHOR },
    tree: input.tree,
    parent: input.head ? [input.head] : [],
    noUpdateBranch: true,
  });
  await input.beforePublish(commit);
  await git.writeRef({ fs, dir: repo, ref: `refs/heads/${input.branch}`, value: commit, force: true });
  await git.writeRef({ fs, dir: repo, ref: 'refs/heads/main', value: commit, force: true });
  // isomorphic-git moved only the ref: the working tree follows main for the tools that read it.
  await git.checkout({ fs, dir: repo, ref: 'main', force: true });
  return commit;
}

/** A commit on no branch holding `tree`, so the validator can export exactly that tree. */
export function probeCommit(repo: string, head: string | null, tree: string): Promise<string> {
  return git.commit({ fs, dir: repo, message: 'integration candidate\n', author: { ...AUTHOR }, tree, parent: head ? [head] : [], noUpdateBranch: true });
}
