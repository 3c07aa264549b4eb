import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Blueprint, ValidationReport, WorkRequest } from '../proto/index.js';
import { parseTrailers, validationTrailer } from '../proto/index.js';
import { commitMessages, headCommit, initJobRepo } from '../actors/git/repo.js';
import { tagVersion } from '../actors/git/task-branch.js';
import { createIntegrationEngine } from '../actors/integration/engine.js';
import { silentLogger } from '../actors/log/logger.js';
import { UnsafeSandbox } from '../actors/sandbox/unsafe-sandbox.js';
import { createTaskValidator, type TaskValidator } from '../actors/validation/task-validator.js';
import { tempDir } from './helpers/env.js';

const gitCli = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

function request(jobId: string, taskId: string, base: string, attempt = 1): WorkRequest {
  return {
    type: 'work.request', jobId, taskId, attempt, role: 'backend', repo: '', jobPrompt: 'build it', description: `task ${taskId}`, prompt: '',
    validationRules: ['it works'], rules: [{ kind: 'tests_pass', glob: 'test/*.test.mjs' }], maxTokens: 100, previousError: null, avoidWorker: null, snapshot: { name: `snap-${base}`, commit: base }, memory: null,
  };
}

/** What a report says, without timings: two validations of one tree must agree on this. */
const verdict = (report: ValidationReport) => ({
  passed: report.passed,
  // An issue's first line names the check and place; the test runner's log under it carries timings.
  issues: report.issues.map((issue) => issue.split('\n')[0]),
  failures: report.failures?.map((f) => [f.stage, f.file, f.line]),
  stages: report.stages?.map((s) => [s.stage, s.status]),
});

// Ten lines, so edits to line 1 and line 9 are far enough apart for a clean line merge.
const APP = ['export const a = 0;', '// 2', '// 3', '// 4', '// 5', '// 6', '// 7', '// 8', 'export const e = 0;', '// 10', ''].join('\n');
const PROJECT = [
  { path: 'package.json', content: JSON.stringify({ name: 'p', version: '1.0.0', type: 'module', scripts: { test: 'node --test test/' } }) },
  { path: 'src/app.mjs', content: APP },
  // Passes only when both tasks' edits are in the tree.
  { path: 'test/app.test.mjs', content: "import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { a, e } from '../src/app.mjs';\ntest('both', () => assert.deepEqual([a, e], [1, 5]));\n" },
];

describe('IntegrationEngine: the validated tree is the committed tree', () => {
  const home = tempDir('engine');
  const sandbox = new UnsafeSandbox();
  const validator = createTaskValidator({
    sandbox: async () => sandbox,
    workspaceFor: (jobId) => join(home.path, 'validate', jobId),
    stagesFor: () => ['syntax', 'lint', 'unit_tests'],
    audit: false,
    installDependencies: false,
    testTimeoutMs: 30_000,
    log: silentLogger,
  });
  afterAll(async () => {
    await sandbox.close();
    home.cleanup();
  });
  let repos = 0;
  const newRepo = async () => {
    const repo = join(home.path, `job-${(repos += 1)}`, 'repo');
    return { repo, jobId: `job-${repos}`, base: await initJobRepo(repo, PROJECT, 'chore: start job') };
  };

  it('two tasks changing one file on different lines at once: each report equals validating the tree its commit holds', async () => {
    const { repo, jobId, base } = await newRepo();
    const integrate = createIntegrationEngine({ validate: validator, log: silentLogger });
    const [one, two] = await Promise.all([
      integrate({ repo, request: request(jobId, 't1', base), result: { summary: 'a', files: [{ path: 'src/app.mjs', content: APP.replace('a = 0', 'a = 1') }], tokens: 1 }, blueprint: null }),
      integrate({ repo, request: request(jobId, 't2', base), result: { summary: 'e', files: [{ path: 'src/app.mjs', content: APP.replace('e = 0', 'e = 5') }], tokens: 1 }, blueprint: null }),
    ]);
    const [first, second] = (await headCommit(repo)) === two.commit ? [one, two] : [two, one];
    // Linear: the later attempt was merged onto the earlier commit, and main holds both edits.
    expect(gitCli(repo, 'log', '-1', '--format=%P', second.commit)).toBe(first.commit);
    expect(readFileSync(join(repo, 'src/app.mjs'), 'utf8')).toContain('export const a = 1;');
    expect(readFileSync(join(repo, 'src/app.mjs'), 'utf8')).toContain('export const e = 5;');
    expect(second.validation.passed).toBe(true);
    expect(first.validation.passed).toBe(false);
    for (const output of [one, two]) {
      const again = await validator({ repo, commit: output.commit, changed: output.files, request: request(jobId, 'recheck', base) });
      expect(verdict(output.validation)).toEqual(verdict(again));
      const trailers = parseTrailers(gitCli(repo, 'log', '-1', '--format=%B', output.commit));
      expect(trailers.Validation).toBe(validationTrailer(output.validation));
    }
    expect(gitCli(repo, 'status', '--porcelain')).toBe('');
    expect(gitCli(repo, 'rev-parse', 'task/t1')).toBe(one.commit);
    gitCli(repo, 'fsck', '--strict', '--no-dangling');
  });

  it('main moving between validation and commit: the attempt is validated again on the new main', async () => {
    const { repo, jobId, base } = await newRepo();
    const other = createIntegrationEngine({ validate: validator });
    const seen: string[] = [];
    let interfered = false;
    const racing: TaskValidator = async (candidate) => {
      const report = await validator(candidate);
      seen.push(candidate.commit);
      if (!interfered) {
        interfered = true;
        // Another task lands while this attempt's validation is in flight.
        await other({ repo, request: request(jobId, 'tother', base), result: { summary: 'e', files: [{ path: 'src/app.mjs', content: APP.replace('e = 0', 'e = 5') }], tokens: 1 }, blueprint: null });
      }
      return report;
    };
    const output = await createIntegrationEngine({ validate: racing })({
      repo, request: request(jobId, 't1', base), result: { summary: 'a', files: [{ path: 'src/app.mjs', content: APP.replace('a = 0', 'a = 1') }], tokens: 1 }, blueprint: null,
    });
    expect(seen).toHaveLength(2);
    // The first validation saw a tree without the other task's edit and failed; the committed one has both and passed.
    expect(output.validation.passed).toBe(true);
    const messages = await commitMessages(repo);
    expect(messages.map((m) => parseTrailers(m.message).Task).filter(Boolean)).toEqual(['t1', 'tother']);
    const again = await validator({ repo, commit: output.commit, changed: output.files, request: request(jobId, 'recheck', base) });
    expect(verdict(again)).toEqual(verdict(output.validation));
  });

  it('overlapping edits: the conflict comes from the same merge whose tree is validated and committed', async () => {
    const { repo, jobId, base } = await newRepo();
    const integrate = createIntegrationEngine({ validate: validator });
    await integrate({ repo, request: request(jobId, 't1', base), result: { summary: 'a', files: [{ path: 'src/app.mjs', content: APP.replace('a = 0', 'a = 1') }], tokens: 1 }, blueprint: null });
    const second = await integrate({ repo, request: request(jobId, 't2', base), result: { summary: 'b', files: [{ path: 'src/app.mjs', content: APP.replace('a = 0', 'a = 2') }], tokens: 1 }, blueprint: null });
    expect(second.conflicts).toEqual(['src/app.mjs']);
    const committed = gitCli(repo, 'show', `${second.commit}:src/app.mjs`);
    expect(committed).toContain('<<<<<<< HEAD\nexport const a = 1;\n=======\nexport const a = 2;\n>>>>>>> task/t2');
    expect(second.validation.passed).toBe(false);
    expect(second.validation.issues.join('\n')).toMatch(/conflict marker/i);
  });

  it('a re-run of an attempt returns its full recorded report and makes no second commit', async () => {
    const { repo, jobId, base } = await newRepo();
    const integrate = createIntegrationEngine({ validate: validator });
    const input = { repo, request: request(jobId, 't1', base), result: { summary: 'a', files: [{ path: 'src/app.mjs', content: APP.replace('a = 0', 'a = 1') }], tokens: 3 }, blueprint: null };
    const output = await integrate(input);
    expect(output.validation.stages?.map((s) => s.stage)).toEqual(['syntax', 'lint', 'unit_tests']);
    const again = await createIntegrationEngine()(input);
    expect(again).toEqual(output);
    expect((await commitMessages(repo)).length).toBe(2);
  });

  it('a devops task gets the artifacts generated from the blueprint it carries; its own files win', async () => {
    const { repo, jobId, base } = await newRepo();
    const blueprint: Blueprint = {
      requirements: ['serve todos'], techStack: { language: 'TypeScript', runtime: 'Node.js', framework: 'Hono', database: null, testing: 'node:test', frontend: null },
      structure: [], complexity: 'small', spec: null,
    };
    const output = await createIntegrationEngine({ artifacts: (bp) => [{ path: 'Dockerfile', content: `FROM ${bp.techStack.framework}\n` }, { path: '.env.example', content: 'PORT=3000\n' }] })({
      repo, request: { ...request(jobId, 't1', base), role: 'devops' }, result: { summary: 'ops', files: [{ path: '.env.example', content: 'PORT=8080\n' }], tokens: 1 }, blueprint,
    });
    expect(output.files.sort()).toEqual(['.env.example', 'Dockerfile']);
    expect(gitCli(repo, 'show', 'main:Dockerfile')).toBe('FROM Hono');
    expect(gitCli(repo, 'show', 'main:.env.example')).toBe('PORT=8080');
  });

  it('applies edit blocks to a 2,000-line file exactly, and refuses one that does not apply, committing nothing', async () => {
    const { repo, jobId, base } = await newRepo();
    const big = Array.from({ length: 2000 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n';
    const integrate = createIntegrationEngine();
    const seeded = await integrate({ repo, request: request(jobId, 't1', base), result: { summary: 'big', files: [{ path: 'src/big.mjs', content: big }], tokens: 1 }, blueprint: null });
    const edit = { path: 'src/big.mjs', search: 'export const v1500 = 1500;\n', replace: 'export const v1500 = 15;\n' };
    const fixed = await integrate({ repo, request: request(jobId, 't2', seeded.commit), result: { summary: 'fix', files: [], edits: [edit], tokens: 1 }, blueprint: null });
    const after = gitCli(repo, 'show', `${fixed.commit}:src/big.mjs`);
    expect(after.split('\n')).toHaveLength(2000);
    expect(after).toContain('export const v1500 = 15;\nexport const v1501');
    expect(gitCli(repo, 'diff', '--numstat', seeded.commit, fixed.commit)).toBe('1\t1\tsrc/big.mjs');
    for (const bad of [
      // Already applied: the text is gone.
      { ...edit, search: 'export const v1500 = 1500;\n' },
      // Close but not exact (whitespace): never applied loosely.
      { ...edit, search: 'export const v1501 =  1501;\n' },
      // Occurs many times: ambiguous.
      { ...edit, search: ' = 1' },
      { path: 'src/missing.mjs', search: 'x', replace: 'y' },
    ]) {
      await expect(integrate({ repo, request: request(jobId, 't3', fixed.commit), result: { summary: 'bad', files: [], edits: [bad], tokens: 1 }, blueprint: null })).rejects.toMatchObject({ code: 'model_output_invalid' });
    }
    expect(await headCommit(repo)).toBe(fixed.commit);
  });

  it('tags the finished version once, and refuses to move a tag', async () => {
    const { repo, jobId, base } = await newRepo();
    const integrate = createIntegrationEngine();
    await integrate({ repo, request: request(jobId, 't1', base), result: { summary: 'x', files: [{ path: 'x.txt', content: 'x\n' }], tokens: 1 }, blueprint: null });
    await tagVersion(repo, 'v0.1.0', 'autodev job completed');
    await tagVersion(repo, 'v0.1.0', 'autodev job completed');
    expect(gitCli(repo, 'describe', '--tags', '--exact-match', 'main')).toBe('v0.1.0');
    await integrate({ repo, request: request(jobId, 't2', base), result: { summary: 'y', files: [{ path: 'y.txt', content: 'y\n' }], tokens: 1 }, blueprint: null });
    await expect(tagVersion(repo, 'v0.1.0', 'again')).rejects.toThrow(/already names another commit/);
    gitCli(repo, 'fsck', '--strict', '--no-dangling');
  });
});
