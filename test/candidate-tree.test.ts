import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitFiles, initJobRepo } from '../actors/git/repo.js';
import { buildCandidate } from '../actors/integration/candidate-tree.js';
import { tempDir } from './helpers/env.js';

const gitCli = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

/** What git itself makes of main and the task's files over their base: the tree a merge would give. */
function gitMergeTree(repo: string, base: string, head: string, files: Array<{ path: string; content: string }>): string {
  gitCli(repo, 'worktree', 'add', '--detach', join(repo, '..', 'wt'), base);
  const wt = join(repo, '..', 'wt');
  for (const f of files) execFileSync('sh', ['-c', `mkdir -p "$(dirname "$1")" && printf %s "$2" > "$1"`, 'sh', f.path, f.content], { cwd: wt });
  gitCli(wt, 'add', '-A');
  gitCli(wt, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'task');
  const task = gitCli(wt, 'rev-parse', 'HEAD');
  gitCli(repo, 'worktree', 'remove', '--force', wt);
  return gitCli(repo, 'merge-tree', '--write-tree', head, task).split('\n')[0] as string;
}

describe('the candidate tree when main moved on other paths since the task saw it', () => {
  const home = tempDir('candidate');
  afterAll(() => home.cleanup());

  it('is HEAD with the task\'s files over it, the same tree git\'s merge gives', async () => {
    const repo = join(home.path, 'repo');
    const base = await initJobRepo(repo, [{ path: 'src/a.js', content: 'a\n' }, { path: 'README.md', content: '# r\n' }], 'start');
    const head = await commitFiles(repo, [{ path: 'src/b.js', content: 'b\n' }, { path: 'README.md', content: '# r\nmore\n' }], 'other task');
    const files = [{ path: 'src/c.js', content: 'c\n' }, { path: 'src/a.js', content: 'a2\n' }];
    const candidate = await buildCandidate(repo, { base, head, files, label: 'task/t9' });
    expect(candidate.conflicts).toEqual([]);
    expect(candidate.tree).toBe(gitMergeTree(repo, base, head, files));
  });

  it('still merges, and reports the conflict, when main changed a path the task wrote or put a file where the task wants a folder', async () => {
    const repo = join(home.path, 'repo2');
    const base = await initJobRepo(repo, [{ path: 'src/a.js', content: 'one\n' }], 'start');
    const head = await commitFiles(repo, [{ path: 'src/a.js', content: 'two\n' }, { path: 'lib', content: 'a file\n' }], 'other task');
    const overlapping = await buildCandidate(repo, { base, head, files: [{ path: 'src/a.js', content: 'three\n' }], label: 'task/t9' });
    expect(overlapping.conflicts).toEqual(['src/a.js']);
    const folder = await buildCandidate(repo, { base, head, files: [{ path: 'lib/x.js', content: 'x\n' }], label: 'task/t9' });
    expect(folder.conflicts).toEqual(['lib/x.js']);
  });
});
