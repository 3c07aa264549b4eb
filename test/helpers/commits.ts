import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { waitUntil } from './env.js';
import { commitMessages } from '../../actors/git/repo.js';
import type { TaskView } from '../../proto/index.js';

/** The task ids named by `Task:` trailers in the repository's history, oldest last. */
export async function taskCommitIds(repo: string): Promise<string[]> {
  return (await commitMessages(repo))
    .map((c) => /^Task: (\S+)$/m.exec(c.message)?.[1])
    .filter((id): id is string => id !== undefined);
}

/**
 * Every completed task has its commit; a commit of a task that did not
 * complete belongs to a fix or merge task whose own commit still failed
 * validation, which is then failed with its commit kept for the record.
 */
export async function expectCommitsMatchTasks(repo: string, tasks: readonly TaskView[], options: { onePerTask: boolean }): Promise<void> {
  const ids = await taskCommitIds(repo);
  if (options.onePerTask) expect(new Set(ids).size).toBe(ids.length);
  // A `needs_fix` task's attempt was committed too (with a failed verdict); its fix task follows.
  const completed = tasks.filter((t) => t.status === 'completed' || t.status === 'needs_fix').map((t) => t.id);
  const failed = new Set(tasks.filter((t) => t.status === 'failed').map((t) => t.id));
  expect(ids).toEqual(expect.arrayContaining(completed));
  expect(ids.filter((id) => !completed.includes(id) && !failed.has(id))).toEqual([]);
}

/**
 * `git fsck --strict`, once a completed job's finalization (its version tag,
 * written after the job's last event) has landed.
 */
export async function fsckJobRepo(repo: string, status: string): Promise<void> {
  if (status === 'completed') {
    await waitUntil(() => execFileSync('git', ['tag'], { cwd: repo, encoding: 'utf8' }).trim() !== '', 60_000, 'the version tag');
  }
  execFileSync('git', ['fsck', '--strict'], { cwd: repo });
}
