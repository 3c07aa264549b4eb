import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StageResult, WorkRequest } from '../proto/index.js';
import { initJobRepo } from '../actors/git/repo.js';
import { createIntegrationEngine } from '../actors/integration/engine.js';
import { probeCommit } from '../actors/integration/commit-candidate.js';
import { treeWithFiles } from '../actors/git/tree.js';
import { UnsafeSandbox } from '../actors/sandbox/unsafe-sandbox.js';
import { createTaskValidator } from '../actors/validation/task-validator.js';
import { LanceMemory } from '../actors/memory/lance-memory.js';
import { silentLogger } from '../actors/log/logger.js';
import { followUpTask } from '../machines/job-updates.js';
import { makeTask } from '../machines/task.fixture.js';
import { tempDir } from './helpers/env.js';
import { BROKEN_PROJECT } from './helpers/project-fixture.js';

const gitCli = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

function request(taskId: string, base: string, attempt = 1): WorkRequest {
  return {
    type: 'work.request',
    jobId: 'job-1',
    taskId,
    attempt,
    role: 'backend',
    repo: '',
    jobPrompt: 'build it',
    description: `task ${taskId}`,
    prompt: '',
    validationRules: ['it works'],
    rules: [{ kind: 'tests_pass', glob: 'test/*.test.mjs' }],
    maxTokens: 100,
    previousError: null,
    avoidWorker: null,
    snapshot: { name: `snap-${base}`, commit: base },
    memory: null,
  };
}

describe('integration step with the validation pipeline and task branches', () => {
  const home = tempDir('integrate');
  const sandbox = new UnsafeSandbox();
  const stages: Array<{ taskId: string; result: StageResult }> = [];
  // Real LanceDB; without an embedding model it stores and filters all the same.
  const memory = LanceMemory.open({ dir: join(home.path, 'memory'), embedder: null, log: silentLogger });
  const validate = createTaskValidator({
    sandbox: async () => sandbox,
    memoryFor: async (jobId) => (await memory).forJob(jobId),
    workspaceFor: (jobId) => join(home.path, 'validate', jobId),
    onStage: (req, result) => void stages.push({ taskId: req.taskId, result }),
    testTimeoutMs: 30_000,
  });
  const integrate = createIntegrationEngine({ validate });
  const syntaxOnly = createIntegrationEngine();
  afterAll(async () => {
    await (await memory).close();
    await sandbox.close();
    home.cleanup();
  });

  it('validates the would-be tree, commits on the task branch with the checks, and hands a fix task the failing test', async () => {
    const repo = join(home.path, 'repo');
    const base = await initJobRepo(repo, [{ path: 'package.json', content: BROKEN_PROJECT['package.json'] as string }], 'chore: start job');
    const files = ['src/math.mjs', 'test/math.test.mjs'].map((path) => ({ path, content: BROKEN_PROJECT[path] as string }));
    const output = await integrate({ repo, request: request('t1', base), result: { summary: 'math module', files, tokens: 5 }, blueprint: null });

    expect(output.validation.passed).toBe(false);
    expect(output.validation.failures).toEqual([
      expect.objectContaining({ stage: 'unit_tests', file: 'test/math.test.mjs', line: 6 }),
      expect.objectContaining({ stage: 'rule', message: expect.stringContaining('rule failed: tests matching test/*.test.mjs exist and pass') }),
    ]);
    expect(output.validation).toMatchObject({ verdict: 'failed', rules: [expect.objectContaining({ status: 'failed', logExcerpt: expect.stringContaining('-1 !== 5') })] });
    expect(output.validation.issues[0]).toContain('-1 !== 5');
    expect(stages.filter((s) => s.taskId === 't1').map((s) => s.result.stage)).toHaveLength(8);

    const message = gitCli(repo, 'log', '-1', '--format=%B', 'task/t1');
    expect(message).toMatch(/^t1 \(backend\): task t1/);
    expect(message).toContain('Checks: syntax passed, lint passed, typecheck unverified, unit_tests failed, integration_tests unverified, coverage passed, security passed, quality passed; rules 0/1 passed, 1 failed; verdict failed');
    expect(message).toMatch(/Task: t1\nRole: backend\nAttempt: 1\nValidation: failed, 2 issue\(s\); rules 0\/1 passed, 1 failed$/);
    expect(gitCli(repo, 'rev-parse', 'main')).toBe(output.commit);
    expect(gitCli(repo, 'status', '--porcelain')).toBe('');

    // The fix task the Master makes from this report carries the failing test's output in its prompt.
    const fix = followUpTask(makeTask('t1'), 't1', 1, 'fix', output.validation.issues);
    expect(fix.prompt).toContain('[unit_tests] test/math.test.mjs:6');
    expect(fix.prompt).toContain('-1 !== 5');

    // Each stage is in the job's memory: failures as `error`, the rest as `test`.
    const store = await (await memory).forJob('job-1');
    const errors = await store.searchByMetadata({ type: 'error', taskId: 't1' });
    expect(errors.map((r) => r.metadata.source)).toEqual(['validation/unit_tests']);
    expect(errors[0]?.content).toContain('-1 !== 5');
    expect(await store.searchByMetadata({ type: 'test', taskId: 't1' })).toHaveLength(7);

    // A restored actor re-running the same attempt gets the same commit, not a second one.
    const again = await integrate({ repo, request: request('t1', base), result: { summary: 'math module', files, tokens: 5 }, blueprint: null });
    // ...and the full recorded report, not a syntax-only one.
    expect(again).toEqual(output);
    gitCli(repo, 'fsck', '--strict', '--no-dangling');
  });

  it('installs the project\'s dependencies from the registry once, so its tests can import them', async () => {
    const repo = join(home.path, 'repo3');
    const manifest = JSON.stringify({ name: 'deps', version: '1.0.0', type: 'module', scripts: { test: 'node --test test/' }, dependencies: { 'is-number': '7.0.0' } });
    const base = await initJobRepo(repo, [{ path: 'package.json', content: manifest }], 'chore: start job');
    const files = [
      { path: 'src/check.mjs', content: "import isNumber from 'is-number';\nexport const check = (v) => isNumber(v);\n" },
      { path: 'test/check.test.mjs', content: "import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { check } from '../src/check.mjs';\ntest('numbers', () => assert.equal(check('5'), true));\n" },
    ];
    const output = await integrate({ repo, request: { ...request('t9', base), jobId: 'job-3' }, result: { summary: 'check', files, tokens: 1 }, blueprint: null });
    expect(output.validation.stages?.find((s) => s.stage === 'unit_tests')).toMatchObject({ status: 'passed', summary: expect.stringContaining('1 passed') });
    expect(readFileSync(join(home.path, 'validate', 'job-3', 'node_modules', '.autodev-installed'), 'utf8')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('validates parallel tasks of one job in turns, each on its own would-be tree', async () => {
    const repo = join(home.path, 'repo4');
    const base = await initJobRepo(repo, [{ path: 'package.json', content: BROKEN_PROJECT['package.json'] as string }], 'chore: start job');
    const test = (name: string, ok: boolean) => ({
      path: `test/${name}.test.mjs`,
      content: `import test from 'node:test';\nimport assert from 'node:assert/strict';\ntest('${name}', () => assert.equal(1, ${ok ? 1 : 2}));\n`,
    });
    const [bad, good] = await Promise.all([
      validate({ repo, commit: await probeCommit(repo, base, await treeWithFiles(repo, base, [test('bad', false)])), changed: ['test/bad.test.mjs'], request: { ...request('ta', base), jobId: 'job-4' } }),
      validate({ repo, commit: await probeCommit(repo, base, await treeWithFiles(repo, base, [test('good', true)])), changed: ['test/good.test.mjs'], request: { ...request('tb', base), jobId: 'job-4' } }),
    ]);
    expect(bad.passed).toBe(false);
    expect(bad.failures?.[0]).toMatchObject({ file: 'test/bad.test.mjs' });
    expect(good.passed).toBe(true);
  });

  it('turns two tasks writing one line differently into a conflict that the Master makes a merge task of', async () => {
    const repo = join(home.path, 'repo2');
    const base = await initJobRepo(repo, [{ path: 'src/app.mjs', content: 'export const name = "app";\n' }], 'chore: start job');
    const first = await syntaxOnly({ repo, request: request('t1', base), result: { summary: 'a', files: [{ path: 'src/app.mjs', content: 'export const name = "one";\n' }], tokens: 1 }, blueprint: null });
    const second = await syntaxOnly({ repo, request: request('t2', base), result: { summary: 'b', files: [{ path: 'src/app.mjs', content: 'export const name = "two";\n' }], tokens: 1 }, blueprint: null });
    expect(first.conflicts).toEqual([]);
    expect(second.conflicts).toEqual(['src/app.mjs']);
    const onDisk = readFileSync(join(repo, 'src/app.mjs'), 'utf8');
    expect(onDisk).toContain('<<<<<<< HEAD\nexport const name = "one";\n=======\nexport const name = "two";\n>>>>>>> task/t2');
    // One linear history: the conflicted tree is t2's own commit, on top of t1's.
    expect(gitCli(repo, 'log', '-1', '--format=%P', 'main')).toBe(first.commit);
    expect(gitCli(repo, 'rev-parse', 'main')).toBe(second.commit);
    gitCli(repo, 'fsck', '--strict', '--no-dangling');
  });
});
