import { gitFs as fs } from './git-fs.js';
import git, { Errors } from 'isomorphic-git';
import { AutodevError } from '../../proto/errors.js';
import { AUTHOR, headCommit, withRepoLock } from './repo.js';

export function taskBranchName(taskId: string): string {
  return `task/${taskId}`;
}

/** An annotated version tag on main's head; tagging the same commit twice is a no-op. */
export function tagVersion(dir: string, tag: string, message: string): Promise<string> {
  return withRepoLock(dir, async () => {
    const head = await headCommit(dir);
    if (!head) throw new AutodevError('conflict', `cannot tag ${tag}: the repository ${dir} has no commits; a job is tagged only once a task has committed`);
    try {
      const existing = await git.resolveRef({ fs, dir, ref: `refs/tags/${tag}`, depth: 2 });
      const target = await git.readTag({ fs, dir, oid: existing }).then((t) => t.tag.object).catch(() => existing);
      if (target === head) return tag;
      throw new AutodevError('conflict', `tag ${tag} already names another commit (${target.slice(0, 8)}); pick a new version`);
    } catch (error) {
      if (!(error instanceof Errors.NotFoundError)) throw error;
    }
    await git.annotatedTag({ fs, dir, ref: tag, message, object: head, tagger: { ...AUTHOR } });
    return tag;
  });
}
