import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callTool } from '../tool.js';
import { gitBranch, gitCommit, gitInit, gitPush, gitToolDeps } from './git.js';
import { gitDiff, gitLog, gitStatus, searchRepositories } from './git-read.js';

let jobsDir: string;
beforeEach(() => {
  jobsDir = mkdtempSync(join(tmpdir(), 'autodev-git-tools-'));
});
afterEach(() => rmSync(jobsDir, { recursive: true, force: true }));

describe('git tools, called as definitions', () => {
  it('makes a real repository, commits, branches, diffs and searches it', async () => {
    const dir = join(jobsDir, 'j1', 'repo');
    mkdirSync(dir, { recursive: true });
    const deps = gitToolDeps({ dir, jobsDir, remotes: {} });
    expect(await callTool(gitInit, {}, deps)).toEqual({ created: true, branch: 'main' });
    writeFileSync(join(dir, 'app.js'), 'console.log("needle");\n');
    expect((await callTool(gitStatus, {}, deps)).files).toEqual([{ path: 'app.js', status: 'untracked' }]);
    const { commit, files } = await callTool(gitCommit, { message: 'first' }, deps);
    expect(files).toEqual(['app.js']);
    expect((await callTool(gitLog, {}, deps)).commits.map((c) => [c.oid, c.message.trim()])).toEqual([[commit, 'first']]);
    expect(await callTool(gitBranch, { name: 'feature', checkout: true }, deps)).toMatchObject({ current: 'feature', branches: ['feature', 'main'], created: true });
    writeFileSync(join(dir, 'app.js'), 'console.log("haystack");\n');
    expect((await callTool(gitDiff, {}, deps)).patch).toContain('+console.log("haystack");');
    expect((await callTool(searchRepositories, { query: 'HAYSTACK' }, deps)).hits).toEqual([{ jobId: 'j1', path: 'app.js', line: 1, text: 'console.log("haystack");' }]);
  });

  it('refuses a remote the configuration does not name, and a ref that breaks git rules', async () => {
    const dir = join(jobsDir, 'j2', 'repo');
    const deps = gitToolDeps({ dir, jobsDir, remotes: { origin: 'https://git.example.org/app.git' } });
    await expect(callTool(gitPush, { remote: 'elsewhere' }, deps)).rejects.toThrow(/remote "elsewhere" is not configured; use one of: origin/);
    await expect(callTool(gitLog, { ref: 'main..x' }, deps)).rejects.toThrow();
    await expect(callTool(gitStatus, {}, deps)).rejects.toThrow(/no git repository in the job workspace/);
  });
});
