import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitMessages, headCommit, initJobRepo } from '../actors/git/repo.js';
import { commitTaskAndMerge, tagVersion, taskBranchName } from '../actors/git/task-branch.js';
import { tempDir } from './helpers/env.js';

const gitCli = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

function task(id: string, base: string | null, files: Array<{ path: string; content: string }>, conflictFiles = files) {
  return {
    branch: taskBranchName(id),
    base,
    files,
    message: `${id} (backend): work\n\nsummary\n\nJob: j1\nTask: ${id}\nAttempt: 1\nValidation: passed\n`,
    conflictFiles,
    mergeMessage: `Merge ${taskBranchName(id)} into main\n\nMerges: ${id}\n`,
  };
}

describe('git: a branch and a commit per task, merged into main', () => {
  const dirs: Array<{ cleanup: () => void }> = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));
  const repo = async () => {
    const dir = tempDir('git');
    dirs.push(dir);
    const base = await initJobRepo(dir.path, [{ path: 'README.md', content: '# app\n' }, { path: 'src/app.ts', content: 'line1\nline2\nline3\nline4\nline5\n' }], 'chore: start job');
    return { dir: dir.path, base };
  };

  it('fast-forwards the first task, merges a parallel one, and leaves a tree that real git accepts', async () => {
    const { dir, base } = await repo();
    const first = await commitTaskAndMerge(dir, task('t1', base, [{ path: 'src/a.ts', content: 'export const a = 1;\n' }]));
    expect(first).toMatchObject({ merge: 'fast-forward' });
    expect(first.head).toBe(first.commit);
    // t2 worked from the same snapshot as t1, so its branch must be merged, not fast-forwarded.
    const second = await commitTaskAndMerge(dir, task('t2', base, [{ path: 'src/deep/b.ts', content: 'export const b = 2;\n' }]));
    expect(second.merge).toBe('merged');
    expect(await headCommit(dir)).toBe(second.head);

    expect(gitCli(dir, 'branch', '--list', '--format=%(refname:short)').split('\n').sort()).toEqual(['main', 'task/t1', 'task/t2']);
    expect(gitCli(dir, 'rev-parse', 'task/t2')).toBe(second.commit);
    expect(gitCli(dir, 'log', '-1', '--format=%P', 'main').split(' ')).toEqual([first.commit, second.commit]);
    // The working tree and index follow main: real git sees nothing to commit.
    expect(gitCli(dir, 'status', '--porcelain')).toBe('');
    expect(readFileSync(join(dir, 'src/deep/b.ts'), 'utf8')).toBe('export const b = 2;\n');
    expect(readFileSync(join(dir, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\n');
    gitCli(dir, 'fsck', '--strict', '--no-dangling');
    // One commit per task carries its Task trailer; merge commits do not repeat it.
    const tasks = (await commitMessages(dir)).map((c) => /^Task: (\S+)$/m.exec(c.message)?.[1]).filter(Boolean).sort();
    expect(tasks).toEqual(['t1', 't2']);
  });

  it('merges edits to different lines of one file line by line', async () => {
    const { dir, base } = await repo();
    await commitTaskAndMerge(dir, task('t1', base, [{ path: 'src/app.ts', content: 'LINE1\nline2\nline3\nline4\nline5\n' }]));
    const merged = await commitTaskAndMerge(dir, task('t2', base, [{ path: 'src/app.ts', content: 'line1\nline2\nline3\nline4\nLINE5\n' }]));
    expect(merged.merge).toBe('merged');
    expect(readFileSync(join(dir, 'src/app.ts'), 'utf8')).toBe('LINE1\nline2\nline3\nline4\nLINE5\n');
    gitCli(dir, 'fsck', '--strict', '--no-dangling');
  });

  it('commits a real conflict with markers in a merge commit, for a merge task to resolve', async () => {
    const { dir, base } = await repo();
    await commitTaskAndMerge(dir, task('t1', base, [{ path: 'src/app.ts', content: 'ours\n' }]));
    const marked = '<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> t2\n';
    const outcome = await commitTaskAndMerge(dir, task('t2', base, [{ path: 'src/app.ts', content: 'theirs\n' }], [{ path: 'src/app.ts', content: marked }]));
    expect(outcome.merge).toBe('conflict');
    expect(readFileSync(join(dir, 'src/app.ts'), 'utf8')).toBe(marked);
    expect(gitCli(dir, 'show', `${outcome.commit}:src/app.ts`)).toBe('theirs');
    expect(gitCli(dir, 'status', '--porcelain')).toBe('');
    gitCli(dir, 'fsck', '--strict', '--no-dangling');
  });

  it('tags the finished version once, and refuses to move a tag', async () => {
    const { dir, base } = await repo();
    await commitTaskAndMerge(dir, task('t1', base, [{ path: 'x.txt', content: 'x\n' }]));
    await tagVersion(dir, 'v0.1.0', 'autodev job j1 completed');
    await tagVersion(dir, 'v0.1.0', 'autodev job j1 completed');
    expect(gitCli(dir, 'describe', '--tags', '--exact-match', 'main')).toBe('v0.1.0');
    expect(gitCli(dir, 'cat-file', '-t', 'v0.1.0')).toBe('tag');
    await commitTaskAndMerge(dir, task('t2', null, [{ path: 'y.txt', content: 'y\n' }]));
    await expect(tagVersion(dir, 'v0.1.0', 'again')).rejects.toThrow(/already names another commit/);
    gitCli(dir, 'fsck', '--strict', '--no-dangling');
  });
});
