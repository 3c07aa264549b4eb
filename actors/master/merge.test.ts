import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitFiles, initJobRepo } from '../git/repo.js';
import { checkSyntax } from '../validation/syntax-check.js';
import { hasConflictMarkers, mergeOntoHead } from './merge.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function repoWithTwoCommits() {
  const repo = mkdtempSync(join(tmpdir(), 'autodev-merge-'));
  dirs.push(repo);
  const base = await initJobRepo(repo, [{ path: 'a.ts', content: 'export const a = 1;\n' }], 'start');
  await commitFiles(repo, [{ path: 'a.ts', content: 'export const a = 2;\n' }], 'another task changed a');
  return { repo, base };
}

describe('mergeOntoHead, on a real repository', () => {
  it('marks a file both tasks changed as a conflict and keeps both versions between markers', async () => {
    const { repo, base } = await repoWithTwoCommits();
    const outcome = await mergeOntoHead(
      repo,
      base,
      [
        { path: 'a.ts', content: 'export const a = 3;\n' },
        { path: 'b.ts', content: 'export const b = 1;\n' },
      ],
      't7',
    );
    expect(outcome.conflicts).toEqual(['a.ts']);
    expect(outcome.files[0]?.content).toBe(
      '<<<<<<< HEAD\nexport const a = 2;\n=======\nexport const a = 3;\n>>>>>>> t7\n',
    );
    expect(outcome.files[1]?.content).toBe('export const b = 1;\n');
    expect(hasConflictMarkers(outcome.files[0]?.content ?? '')).toBe(true);
    expect(checkSyntax(outcome.files).issues).toContain('a.ts: unresolved merge conflict markers');
  });

  it('is no conflict when the worker wrote what HEAD already has, or nothing moved since its base', async () => {
    const { repo, base } = await repoWithTwoCommits();
    expect((await mergeOntoHead(repo, base, [{ path: 'a.ts', content: 'export const a = 2;\n' }], 't7')).conflicts).toEqual([]);
    const head = (await mergeOntoHead(repo, null, [], 't7')).conflicts;
    expect(head).toEqual([]);
  });
});
