import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptanceSuite, RuleResult, ValidationRule, WorkRequest } from '../proto/index.js';
import { deriveSuiteFromText } from '../actors/acceptance/derive-checks.js';
import { createFileSuiteStore } from '../actors/acceptance/suite-store.js';
import { initJobRepo } from '../actors/git/repo.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import type { Sandbox } from '../actors/sandbox/sandbox.js';
import { evaluateRules } from '../actors/validation/rules/evaluate-rules.js';
import { DEFAULT_RULE_TIMEOUTS, type RuleContext } from '../actors/validation/rules/rule-context.js';
import { createTaskValidator } from '../actors/validation/task-validator.js';
import { REPO_ROOT, tempDir } from './helpers/env.js';

const BOOKS = join(REPO_ROOT, 'test', 'fixtures', 'acceptance', 'books');
/** Planted in files whose rules fail: no detail or log may ever carry it. */
const SECRET = 'PLANTED-CONTENT-7f3a';

/** Counts the app's starts, to show a task starts its app once. */
function counting(sandbox: Sandbox): Sandbox & { appRuns: number } {
  const wrapper = {
    backend: sandbox.backend,
    appRuns: 0,
    run: (argv: readonly string[], options: Parameters<Sandbox['run']>[1]) => sandbox.run(argv, options),
    start: (argv: readonly string[], options: Parameters<Sandbox['start']>[1]) => {
      wrapper.appRuns += 1;
      return sandbox.start(argv, options);
    },
    close: () => sandbox.close(),
  };
  return wrapper;
}

function write(root: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** The books fixture app, its start script planting BUG when given. */
function booksFiles(bug = ''): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(BOOKS, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  if (bug) manifest.scripts.start = `BUG=${bug} node server.js`;
  return {
    'package.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'server.js': readFileSync(join(BOOKS, 'server.js'), 'utf8'),
    'openapi.yaml': readFileSync(join(BOOKS, 'openapi.yaml'), 'utf8'),
  };
}

const timings: Array<[string, number]> = [];
const time = (label: string, results: readonly RuleResult[]) => {
  for (const r of results) timings.push([`${label}: ${r.rule.kind} ${r.status}`, r.durationMs]);
  return results;
};
const noSecret = (results: readonly RuleResult[]) => {
  for (const r of results) expect(`${r.detail}\n${r.logExcerpt ?? ''}`).not.toContain(SECRET);
};

describe('executable validation rules on a candidate tree, with the bubblewrap sandbox', () => {
  const home = tempDir('rules');
  const sandbox = counting(new BubblewrapSandbox());
  let suite: AcceptanceSuite;
  let n = 0;
  const ctx = (workspace: string, overrides: Partial<RuleContext> = {}): RuleContext => ({
    workspace,
    sandbox,
    suite,
    scratchDir: join(home.path, `scratch-${(n += 1)}`),
    timeouts: { ...DEFAULT_RULE_TIMEOUTS, commandMs: 20_000, testMs: 30_000 },
    ...overrides,
  });
  const tree = (files: Record<string, string>) => write(join(home.path, `tree-${(n += 1)}`), files);

  beforeAll(async () => {
    suite = await deriveSuiteFromText(readFileSync(join(BOOKS, 'openapi.yaml'), 'utf8'));
  });
  afterAll(async () => {
    await sandbox.close();
    home.cleanup();
    console.log(`rule timings on the books app (ms):\n${timings.map(([k, ms]) => `  ${k}: ${ms}`).join('\n')}`);
  });

  it('file rules pass on a good tree and fail on a bad one, naming the path and never the content', async () => {
    const rules: ValidationRule[] = [
      { kind: 'file_exists', path: 'package.json' },
      { kind: 'json_valid', path: 'package.json' },
      { kind: 'file_mentions', path: 'README.md', texts: ['/lists', '/lists/{listId}/items'] },
    ];
    const good = time('good tree', await evaluateRules(rules, ctx(tree({ 'package.json': '{"name": "x"}\n', 'README.md': `# x\n\nGET /lists\nGET /lists/{listId}/items\n` }))));
    expect(good.map((r) => r.status)).toEqual(['passed', 'passed', 'passed']);

    const bad = time('bad tree', await evaluateRules(
      [...rules, { kind: 'file_exists', path: 'src/missing.js' }],
      ctx(tree({ 'package.json': `{\n  "name": "x",\n  "secret": "${SECRET}"\n  "version": "1.0.0"\n}\n`, 'README.md': `# x ${SECRET}\n\nGET /lists\n` })),
    ));
    expect(bad.map((r) => [r.status, r.detail])).toEqual([
      ['passed', expect.stringContaining('package.json exists')],
      ['failed', 'package.json is not valid JSON at line 4'],
      ['failed', 'README.md does not mention /lists/{listId}/items'],
      ['failed', 'src/missing.js does not exist'],
    ]);
    noSecret(bad);
  });

  it('a symlinked file or folder fails a file rule without being followed', async () => {
    const root = tree({ 'package.json': '{}' });
    const outside = write(join(home.path, 'outside'), { 'README.md': `# ${SECRET} /lists/{listId}/items\n`, 'data.json': '{}' });
    symlinkSync(join(outside, 'README.md'), join(root, 'README.md'));
    symlinkSync(outside, join(root, 'docs'));
    const results = await evaluateRules(
      [
        { kind: 'file_mentions', path: 'README.md', texts: ['/lists/{listId}/items'] },
        { kind: 'json_valid', path: 'docs/data.json' },
        { kind: 'file_exists', path: 'docs/README.md' },
      ],
      ctx(root),
    );
    expect(results.map((r) => [r.status, r.detail])).toEqual([
      ['failed', 'README.md is a symbolic link, which is never followed; commit the file itself'],
      ['failed', 'docs/data.json is under docs, a symbolic link, which is never followed; commit the folder itself'],
      ['failed', 'docs/README.md is under docs, a symbolic link, which is never followed; commit the folder itself'],
    ]);
    noSecret(results);
  });

  it('command_succeeds runs in the sandbox with the network off: exit code, output pattern, log excerpt', async () => {
    const root = tree({ 'package.json': '{}' });
    const results = time('command', await evaluateRules(
      [
        { kind: 'command_succeeds', command: 'node -e "console.log(\'ok 42\')"', stdoutMatches: '^ok \\d+$' },
        { kind: 'command_succeeds', command: 'echo "cannot build: missing module"; exit 3', stdoutMatches: null },
        { kind: 'command_succeeds', command: 'echo hello', stdoutMatches: '^ok' },
        { kind: 'command_succeeds', command: 'node -e "require(\'net\').connect(80, \'1.1.1.1\').on(\'error\', () => process.exit(7))"', stdoutMatches: null },
      ],
      ctx(root),
    ));
    expect(results[0]).toMatchObject({ status: 'passed' });
    expect(results[1]).toMatchObject({ status: 'failed', detail: '`echo "cannot build: missing module"; exit 3` exited with 3', logExcerpt: expect.stringContaining('cannot build: missing module') });
    expect(results[2]).toMatchObject({ status: 'failed', detail: expect.stringContaining('its output does not match /^ok/') });
    expect(results[3]).toMatchObject({ status: 'failed', detail: expect.stringContaining('exited with 7') });
  });

  it('tests_pass needs matching test files, runs them with node:test, and hands a failure its output', async () => {
    const passing = "import test from 'node:test';\nimport assert from 'node:assert/strict';\ntest('adds', () => assert.equal(1 + 1, 2));\n";
    const failing = "import test from 'node:test';\nimport assert from 'node:assert/strict';\ntest('subtracts', () => assert.equal(5 - 1, 5));\n";
    const rule: ValidationRule = { kind: 'tests_pass', glob: 'test/**/*.test.mjs' };
    const [good] = time('tests', await evaluateRules([rule], ctx(tree({ 'package.json': '{"type":"module"}', 'test/api/add.test.mjs': passing }))));
    expect(good).toMatchObject({ status: 'passed', detail: expect.stringContaining('1 passed, 0 failed') });
    const [bad] = time('tests', await evaluateRules([rule], ctx(tree({ 'package.json': '{"type":"module"}', 'test/add.test.mjs': passing, 'test/sub.test.mjs': failing }))));
    expect(bad).toMatchObject({ status: 'failed', detail: expect.stringContaining('1 passed, 1 failed') });
    expect(bad?.detail).toContain('test/sub.test.mjs:3');
    expect(bad?.logExcerpt).toContain('4 !== 5');
    const [none] = await evaluateRules([rule], ctx(tree({ 'package.json': '{}', 'src/a.mjs': 'export {}' })));
    expect(none).toMatchObject({ status: 'failed', detail: 'no test file matches test/**/*.test.mjs; write the tests there' });
    const [empty] = await evaluateRules([rule], ctx(tree({ 'package.json': '{}', 'test/a.test.mjs': 'export {}\n' })));
    expect(empty).toMatchObject({ status: 'failed', detail: expect.stringContaining('declare no tests') });
  });

  it('rules that run code are unverified without a sandbox; file rules still run', async () => {
    const root = tree({ 'package.json': '{}', 'test/a.test.mjs': 'export {}\n' });
    const results = await evaluateRules(
      [
        { kind: 'command_succeeds', command: 'true', stdoutMatches: null },
        { kind: 'tests_pass', glob: 'test/*.test.mjs' },
        { kind: 'server_starts' },
        { kind: 'http', operationIds: ['createBook'] },
        { kind: 'file_exists', path: 'package.json' },
      ],
      ctx(root, { sandbox: null }),
    );
    expect(results.map((r) => r.status)).toEqual(['unverified', 'unverified', 'unverified', 'unverified', 'passed']);
    expect(results[0]?.detail).toContain('no sandbox backend is available');
  });

  it('server_starts and http share one start of the app; the correct books app passes', async () => {
    const before = sandbox.appRuns;
    const results = time('books correct', await evaluateRules([{ kind: 'server_starts' }, { kind: 'http', operationIds: ['createBook', 'getBook', 'listBooks'] }], ctx(tree(booksFiles()))));
    expect(results.map((r) => [r.status, r.detail])).toEqual([
      ['passed', expect.stringContaining('the app started')],
      ['passed', expect.stringMatching(/^\d+ check\(s\) of createBook, getBook, listBooks passed$/)],
    ]);
    expect(sandbox.appRuns - before).toBe(1);
  });

  it('server_starts alone starts the app (with no request sent) and passes on the books app', async () => {
    const before = sandbox.appRuns;
    const [starts] = time('books start only', await evaluateRules([{ kind: 'server_starts' }], ctx(tree(booksFiles()))));
    expect(starts).toMatchObject({ status: 'passed', detail: expect.stringContaining('start passed') });
    expect(sandbox.appRuns - before).toBe(1);
  });

  it('an http rule fails on a planted bug that a negative check catches, naming the check and its problem', async () => {
    const results = time('books crash_on_bad_input', await evaluateRules([{ kind: 'http', operationIds: ['createBook'] }, { kind: 'http', operationIds: ['getHealth'] }], ctx(tree(booksFiles('crash_on_bad_input')))));
    expect(results[0]?.status).toBe('failed');
    expect(results[0]?.detail).toMatch(/check\(s\) failed: createBook\.wrong_type[^:]*: .*server error 500/);
    expect(results[0]?.logExcerpt).toMatch(/POST \/api\/books expected 400, got 500/);
    // Another operation's rule, judged in the same run, is untouched by the bug.
    expect(results[1]?.status).toBe('passed');
  });

  it('server_starts fails with the app log when the app never listens, and the http rule fails with it', async () => {
    const files = { ...booksFiles(), 'package.json': JSON.stringify({ name: 'x', scripts: { start: `node -e "console.error('boom: DATABASE_URL is not set'); process.exit(3)"` } }) };
    const results = await evaluateRules([{ kind: 'server_starts' }, { kind: 'http', operationIds: ['getHealth'] }], ctx(tree(files)));
    expect(results[0]).toMatchObject({ status: 'failed', detail: expect.stringContaining('exited with code 3'), logExcerpt: expect.stringContaining('boom: DATABASE_URL is not set') });
    expect(results[1]).toMatchObject({ status: 'failed', detail: expect.stringContaining('the app did not start') });
  });

  it('an http rule is unverified for an operation the suite does not know, or when the job has no suite', async () => {
    const root = tree(booksFiles());
    const [unknown] = await evaluateRules([{ kind: 'http', operationIds: ['getBook', 'launchRocket'] }], ctx(root));
    expect(unknown).toMatchObject({ status: 'unverified', detail: 'the acceptance suite has no operation launchRocket' });
    const [noSuite] = await evaluateRules([{ kind: 'http', operationIds: ['getBook'] }], ctx(root, { suite: null }));
    expect(noSuite).toMatchObject({ status: 'unverified', detail: expect.stringContaining('no acceptance suite') });
  });

  describe("the task validator's report", () => {
    const jobsDir = join(home.path, 'jobs');
    const store = createFileSuiteStore(jobsDir);
    const validate = createTaskValidator({
      sandbox: async () => sandbox,
      workspaceFor: (jobId) => join(jobsDir, jobId, 'validate'),
      suiteFor: (jobId) => store.load(jobId),
      audit: false,
      testTimeoutMs: 30_000,
    });
    const request = (jobId: string, rules: ValidationRule[] | undefined): WorkRequest => ({
      type: 'work.request',
      jobId,
      taskId: 't1',
      attempt: 1,
      role: 'backend',
      repo: '',
      jobPrompt: 'books api',
      description: 'books endpoints',
      prompt: '',
      validationRules: [],
      ...(rules ? { rules } : {}),
      maxTokens: 100,
      previousError: null,
      avoidWorker: null,
      snapshot: null,
      memory: null,
    });
    const candidate = async (jobId: string, files: Record<string, string>, rules: ValidationRule[] | undefined) => {
      await store.save(jobId, suite);
      const repo = join(jobsDir, jobId, 'repo');
      const commit = await initJobRepo(repo, Object.entries(files).map(([path, content]) => ({ path, content })), 'books');
      return { repo, commit, changed: Object.keys(files), request: request(jobId, rules) };
    };
    const backendRules: ValidationRule[] = [{ kind: 'server_starts' }, { kind: 'http', operationIds: ['createBook', 'getBook'] }];

    it('passes a backend task whose http rule passes on the exact candidate tree', async () => {
      const started = performance.now();
      const report = await validate(await candidate('job-good', booksFiles(), backendRules));
      const wall = Math.round(performance.now() - started);
      expect(report.stages?.filter((s) => s.status === 'failed'), JSON.stringify(report.issues)).toEqual([]);
      expect(report).toMatchObject({ verdict: 'passed', passed: true });
      expect(report.rules?.map((r) => r.status)).toEqual(['passed', 'passed']);
      console.log(`validator, backend task with server_starts + http (createBook, getBook): ${wall} ms wall; stages ${report.stages?.map((s) => `${s.stage} ${s.status}`).join(', ')}; rules ${report.rules?.map((r) => `${r.rule.kind} ${r.durationMs} ms`).join(', ')}`);
    });

    it('fails a task whose http rule fails, with the rule in issues and failures', async () => {
      const report = await validate(await candidate('job-bug', booksFiles('wrong_status'), backendRules));
      expect(report).toMatchObject({ verdict: 'failed', passed: false });
      expect(report.issues.find((i) => i.startsWith('rule failed: the acceptance checks of createBook, getBook'))).toMatch(/createBook\.operation: .*got 200, expected 201/);
      expect(report.failures?.filter((f) => f.stage === 'rule')).toHaveLength(1);
    });

    it('is unverified, never passed, when a rule cannot run or the task has no rules', async () => {
      const unknown = await validate(await candidate('job-unknown', booksFiles(), [{ kind: 'server_starts' }, { kind: 'http', operationIds: ['launchRocket'] }]));
      expect(unknown).toMatchObject({ verdict: 'unverified', passed: false, issues: [] });
      const none = await validate(await candidate('job-none', booksFiles(), undefined));
      expect(none).toMatchObject({ verdict: 'unverified', passed: false, rules: [] });
      // A stage that could not run is `unverified`, never `skipped`.
      expect(none.stages?.find((s) => s.stage === 'unit_tests')?.status).toBe('unverified');
    });

    it("says so when the job's frozen suite cannot be read, leaving its http rule unverified", async () => {
      const input = await candidate('job-corrupt', booksFiles(), [{ kind: 'http', operationIds: ['getBook'] }]);
      writeFileSync(join(jobsDir, 'job-corrupt', 'acceptance', 'suite.json'), '{"type": "not a suite"}');
      // The store that froze the suite keeps it in memory: a restarted daemon's store reads the damaged file.
      const afterRestart = createTaskValidator({
        sandbox: async () => sandbox,
        workspaceFor: (jobId) => join(jobsDir, jobId, 'validate'),
        suiteFor: (jobId) => createFileSuiteStore(jobsDir).load(jobId),
        audit: false,
        testTimeoutMs: 30_000,
      });
      const report = await afterRestart(input);
      expect(report).toMatchObject({ verdict: 'unverified', passed: false });
      expect(report.rules?.[0]?.detail).toMatch(/^the job's acceptance suite could not be read: .*does not match its schema/);
    });

    it('judges the committed tree even when the project\'s own tests rewrite it during validation', async () => {
      // The test stage runs this test, which rewrites the README the file rule reads: the rule must see the commit's README.
      const files = {
        'package.json': '{"type":"module"}\n',
        'README.md': '# app\n',
        'test/tamper.test.mjs': "import test from 'node:test';\nimport { writeFileSync } from 'node:fs';\ntest('tamper', () => writeFileSync('README.md', '# app /items\\n'));\n",
      };
      const report = await validate(await candidate('job-tamper', files, [{ kind: 'file_mentions', path: 'README.md', texts: ['/items'] }]));
      expect(report.stages?.find((s) => s.stage === 'unit_tests')?.status).toBe('passed');
      expect(report.rules?.[0]).toMatchObject({ status: 'failed', detail: 'README.md does not mention /items' });
      expect(report.verdict).toBe('failed');
    });
  });
});
