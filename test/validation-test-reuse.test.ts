import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StageResult, ValidationReport, WorkRequest } from '../proto/index.js';
import { initJobRepo } from '../actors/git/repo.js';
import { treeWithFiles } from '../actors/git/tree.js';
import { probeCommit } from '../actors/integration/commit-candidate.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { createTaskValidator } from '../actors/validation/task-validator.js';
import { tempDir } from './helpers/env.js';

const request = (taskId: string, base: string): WorkRequest => ({
  type: 'work.request',
  jobId: 'job-reuse',
  taskId,
  attempt: 1,
  role: 'docs',
  repo: '',
  jobPrompt: 'build it',
  description: `task ${taskId}`,
  prompt: '',
  validationRules: ['package.json exists'],
  rules: [{ kind: 'file_exists', path: 'package.json' }],
  maxTokens: 100,
  previousError: null,
  avoidWorker: null,
  snapshot: { name: `snap-${base}`, commit: base },
  memory: null,
});

const unitOf = (report: ValidationReport) => report.stages?.find((s) => s.stage === 'unit_tests');

describe('a passing test run stands for a tree that differs only in files no code names (real git, bubblewrap)', () => {
  const home = tempDir('test-reuse');
  const sandbox = new BubblewrapSandbox();
  const events: StageResult[] = [];
  const validate = createTaskValidator({
    sandbox: async () => sandbox,
    workspaceFor: (jobId) => join(home.path, 'validate', jobId),
    onStage: (_req, result) => void events.push(result),
    stagesFor: () => ['syntax', 'unit_tests', 'coverage'],
    testTimeoutMs: 30_000,
    audit: false,
  });
  afterAll(async () => {
    await sandbox.close();
    home.cleanup();
  });

  it('runs the tests once, reuses that run for a README and a Dockerfile, and runs them again when a test names the changed file', async () => {
    const repo = join(home.path, 'repo');
    const base = await initJobRepo(repo, [{ path: 'package.json', content: JSON.stringify({ name: 'r', type: 'module', scripts: { test: 'node --test' } }) }], 'chore: start job');
    const code = [
      { path: 'src/add.js', content: 'export const add = (a, b) => a + b;\n' },
      {
        path: 'test/add.test.js',
        content: "import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/add.js';\ntest('adds', () => assert.equal(add(2, 3), 5));\n",
      },
    ];
    const candidate = async (parent: string, files: Array<{ path: string; content: string }>, taskId: string) => {
      const commit = await probeCommit(repo, parent, await treeWithFiles(repo, parent, files));
      return { commit, report: await validate({ repo, commit, changed: files.map((f) => f.path), request: request(taskId, parent) }) };
    };

    const first = await candidate(base, code, 't1');
    expect(unitOf(first.report)).toMatchObject({ status: 'passed', summary: expect.stringContaining('1 passed') });
    expect(unitOf(first.report)?.summary).not.toContain('not run again');

    const docs = await candidate(first.commit, [{ path: 'README.md', content: '# r\n' }, { path: 'Dockerfile', content: 'FROM node:20\n' }], 't2');
    expect(docs.report).toMatchObject({ passed: true, verdict: 'passed', issues: [] });
    expect(unitOf(docs.report)).toMatchObject({ status: 'passed', summary: expect.stringMatching(/^not run again, same result as on [0-9a-f]{10} \(only Dockerfile, README\.md changed/) });
    const reusedEvent = events.filter((e) => e.stage === 'unit_tests').at(-1);
    expect(reusedEvent?.metrics).toMatchObject({ reused: 1 });

    // A test that reads README.md makes README.md code's business: the next README change runs the tests again.
    const reader = {
      path: 'test/readme.test.js',
      content: "import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { readFileSync } from 'node:fs';\ntest('readme has a title', () => assert.match(readFileSync('README.md', 'utf8'), /^# /));\n",
    };
    const withReader = await candidate(docs.commit, [reader], 't3');
    expect(unitOf(withReader.report)).toMatchObject({ status: 'passed', summary: expect.stringContaining('2 passed') });
    const broken = await candidate(withReader.commit, [{ path: 'README.md', content: 'no title\n' }], 't4');
    expect(unitOf(broken.report)).toMatchObject({ status: 'failed' });
    expect(unitOf(broken.report)?.summary).not.toContain('not run again');
  });

  it('lets a tests_pass rule stand on the unit run of the same tree, but runs the rule itself for a file that declares no tests', async () => {
    const repo = join(home.path, 'repo-rule');
    const base = await initJobRepo(repo, [{ path: 'package.json', content: JSON.stringify({ name: 'r', type: 'module', scripts: { test: 'node --test' } }) }], 'chore: start job');
    const testing = (taskId: string, glob: string): WorkRequest => ({ ...request(taskId, base), jobId: 'job-rule', role: 'testing', rules: [{ kind: 'tests_pass', glob }] });
    const files = [
      { path: 'test/one.test.js', content: "import test from 'node:test';\ntest('one', () => {});\n" },
      { path: 'test/empty.test.js', content: '// no tests yet\n' },
    ];
    const commit = await probeCommit(repo, base, await treeWithFiles(repo, base, files));
    const answered = await validate({ repo, commit, changed: ['test/one.test.js'], request: testing('t5', 'test/one.test.js') });
    expect(unitOf(answered)).toMatchObject({ status: 'passed' });
    expect(answered.rules?.[0]).toMatchObject({ status: 'passed', detail: expect.stringContaining("ran and passed in this tree's unit_tests run (node --test)") });

    const empty = await validate({ repo, commit, changed: ['test/empty.test.js'], request: testing('t6', 'test/empty.test.js') });
    expect(empty.rules?.[0]).toMatchObject({ status: 'failed', detail: expect.stringContaining('declare no tests') });
  });
});
