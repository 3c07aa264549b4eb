import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcceptanceReport, isAccepted, type JobEvent, type Task } from '../proto/index.js';
import { acceptJob, type AcceptJobDeps } from '../actors/master/accept-job.js';
import { deriveSuiteFromText } from '../actors/acceptance/derive-checks.js';
import { createFileSuiteStore } from '../actors/acceptance/suite-store.js';
import { commitFiles, initJobRepo } from '../actors/git/repo.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { makeTask } from '../machines/task.fixture.js';
import { REPO_ROOT, tempDir } from './helpers/env.js';
import { hostileServer, MARKER } from './fixtures/hostile-judge-app.js';

const BOOKS = join(REPO_ROOT, 'test', 'fixtures', 'acceptance', 'books');
const read = (name: string) => readFileSync(join(BOOKS, name), 'utf8');

/** The job's plan as the spec backbone gives it: a scaffold that starts, two backend tasks by operation, contract tests. */
const TASKS: Task[] = [
  makeTask('scaffold', { type: 'devops', validationRules: [{ kind: 'file_exists', path: 'package.json' }, { kind: 'server_starts' }] }),
  makeTask('books', { validationRules: [{ kind: 'http', operationIds: ['listBooks', 'createBook', 'getBook', 'replaceBook', 'updateBook', 'deleteBook'] }] }),
  makeTask('reviews', { validationRules: [{ kind: 'http', operationIds: ['listReviews', 'addReview', 'getHealth'] }] }),
  makeTask('contract-tests', { type: 'testing', validationRules: [{ kind: 'tests_pass', glob: 'test/**/*.test.js' }] }),
  makeTask('docs', { type: 'docs', validationRules: [{ kind: 'file_exists', path: 'README.md' }] }),
];

function roundInput(jobId: string, repo: string, round = 1) {
  return { jobId, repo, round, tasks: TASKS, blueprint: null };
}

const PASSING_TEST = `const test = require('node:test');\nconst assert = require('node:assert');\ntest('health is documented', () => assert.ok(true));\n`;
const FAILING_TEST = `const test = require('node:test');\nconst assert = require('node:assert');\ntest('lists three books', () => assert.strictEqual(2, 3, 'expected 3 books'));\n`;

/**
 * One integration round through the real parts: a git repository holding the
 * books app, its spec frozen as the job's suite, bubblewrap running the app
 * and the project's tests, and the suite store keeping the report.
 */
describe('acceptJob: one integration round of the books app', () => {
  const home = tempDir('accept-job');
  const jobsDir = join(home.path, 'jobs');
  const suiteStore = createFileSuiteStore(jobsDir);
  const sandbox = new BubblewrapSandbox();
  const events: JobEvent[] = [];
  const deps: AcceptJobDeps = { jobsDir, suiteStore, sandbox: async () => sandbox, publish: async (e) => void events.push(e), now: () => new Date('2026-01-01T00:00:00Z') };
  let checkCount = 0;

  /** A job whose repository holds the books app (plus `extra` files), with the spec frozen as its suite. */
  async function jobWith(jobId: string, extra: Array<{ path: string; content: string }> = [], packageJson?: object): Promise<string> {
    const repo = join(jobsDir, jobId, 'repo');
    const manifest = packageJson ?? { ...JSON.parse(read('package.json')), scripts: { start: 'node server.js', test: 'node --test' } };
    await initJobRepo(repo, [{ path: 'package.json', content: JSON.stringify(manifest, null, 2) }, { path: 'server.js', content: read('server.js') }, { path: 'README.md', content: '# books\n' }, ...extra], 'chore: start job');
    const suite = await deriveSuiteFromText(read('openapi.yaml'));
    checkCount = suite.checks.length;
    await suiteStore.save(jobId, suite);
    return repo;
  }

  beforeAll(() => events.splice(0));
  afterAll(async () => {
    await sandbox.close();
    home.cleanup();
  });

  it('accepts the correct app: every check passed, the project tests passed, the report kept and every check published', async () => {
    const repo = await jobWith('job-accept-ok', [{ path: 'test/health.test.js', content: PASSING_TEST }]);
    const started = performance.now();
    const { summary, fixes } = await acceptJob(deps, roundInput('job-accept-ok', repo));
    expect(summary.failures, JSON.stringify(summary.failures.slice(0, 3))).toEqual([]);
    expect(summary).toMatchObject({ round: 1, failed: 0, unverified: 0, total: checkCount + 1, passed: checkCount + 1, projectTests: { status: 'passed' } });
    expect(summary.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(isAccepted(summary)).toBe(true);
    expect(fixes).toEqual([]);
    const report = AcceptanceReport.parse(JSON.parse(readFileSync(join(jobsDir, 'job-accept-ok', 'acceptance', 'round-1.json'), 'utf8')));
    expect(report.app?.sandbox).toBe('bubblewrap');
    const published = events.filter((e) => e.type === 'acceptance.check' && e.jobId === 'job-accept-ok');
    expect(published).toHaveLength(summary.total);
    console.log(`acceptJob, books correct: ${summary.total} checks + project tests in ${Math.round(performance.now() - started)} ms`);
  });

  it('routes the failures of a bug planted in a later commit to the task that owns the operation, with request, expected and actual', async () => {
    const repo = await jobWith('job-accept-bug');
    const source = read('server.js');
    expect(source).toContain("const BUG = process.env.BUG || '';");
    // The bug lands on main the way a task's work does: a commit that changes server.js.
    await commitFiles(repo, [{ path: 'server.js', content: source.replace("const BUG = process.env.BUG || '';", "const BUG = 'update_ignored';") }], 'feat: books (with a bug)');
    const { summary, fixes } = await acceptJob(deps, roundInput('job-accept-bug', repo, 2));
    expect(isAccepted(summary)).toBe(false);
    expect(summary.failed).toBeGreaterThan(0);
    expect(summary.failures[0]).toMatchObject({ kind: 'update', status: 'failed', problem: expect.stringContaining('expected "other value"') });
    expect(fixes.map((f) => f.ownerTaskId)).toEqual(['books']);
    const problems = fixes[0]?.problems ?? [];
    expect(problems[0]).toMatch(/^acceptance check createBook\.update\.(replaceBook|updateBook) \(update: /);
    expect(problems[0]).toMatch(/request: GET \/api\/books\/[0-9a-f-]{36}/);
    expect(problems[0]).toMatch(/expected: 200/);
    expect(problems[0]).toMatch(/actual \(step "[^"]+"\): 200 application\/json/);
    // The app's own log goes with the failures.
    expect(problems.at(-1)).toMatch(/^the app's log while the checks ran ends with:\n.*books listening on/s);
    expect(readFileSync(join(jobsDir, 'job-accept-bug', 'acceptance', 'round-2.json'), 'utf8')).toContain('"failed": 2');
    expect(events.filter((e) => e.type === 'acceptance.check' && e.jobId === 'job-accept-bug' && e.round === 2)).toHaveLength(summary.total);
  });

  it("builds once for the project's tests when its test script builds first (tsc && node --test), and the tests see that build", async () => {
    // Each build leaves a line in build-runs.txt; the test reads the build's output, so it passes only after a build.
    const build = "const fs = require('node:fs'); fs.appendFileSync('build-runs.txt', 'built\\n'); fs.mkdirSync('dist', { recursive: true }); fs.writeFileSync('dist/version.txt', '1');\n";
    const test = "const test = require('node:test');\nconst assert = require('node:assert');\ntest('the build ran first', () => assert.strictEqual(require('node:fs').readFileSync('dist/version.txt', 'utf8'), '1'));\n";
    const manifest = { ...JSON.parse(read('package.json')), scripts: { start: 'node server.js', build: 'node build.js', test: 'node build.js && node --test' } };
    const repo = await jobWith('job-accept-builds-once', [{ path: 'build.js', content: build }, { path: 'test/version.test.js', content: test }], manifest);
    const { summary } = await acceptJob(deps, roundInput('job-accept-builds-once', repo));
    expect(summary).toMatchObject({ failed: 0, projectTests: { status: 'passed' } });
    expect(summary.projectTests?.summary).toContain('1 passed');
    // The tests ran in the exported tree: the test script's own build is the only one there (the app's ran in its own copy).
    expect(readFileSync(join(jobsDir, 'job-accept-builds-once', 'accept', 'tree', 'build-runs.txt'), 'utf8')).toBe('built\n');
  });

  it("routes a failing project test to the testing task whose glob matches it, with the test's output", async () => {
    const repo = await jobWith('job-accept-tests', [{ path: 'test/books.test.js', content: FAILING_TEST }]);
    const { summary, fixes } = await acceptJob(deps, roundInput('job-accept-tests', repo));
    expect(summary).toMatchObject({ failed: 0, projectTests: { status: 'failed' } });
    expect(isAccepted(summary)).toBe(false);
    expect(fixes.map((f) => f.ownerTaskId)).toEqual(['contract-tests']);
    expect(fixes[0]?.problems[0]).toMatch(/^project test failed \(unit_tests\): test\/books\.test\.js/);
    expect(fixes[0]?.problems[0]).toContain('expected 3 books');
  });

  it("gives the scaffold the reason the app cannot be set up (a native module's build log), not a bare 'cannot start'", async () => {
    const native = { name: 'native-sqlite', version: '1.0.0', scripts: { install: "node -e \"console.error('gyp ERR! build error: sqlite3.h: No such file or directory'); process.exit(1)\"" } };
    const manifest = { ...JSON.parse(read('package.json')), scripts: { start: 'node server.js' }, dependencies: { 'native-sqlite': 'file:./native' } };
    const repo = await jobWith('job-accept-native', [{ path: 'native/package.json', content: JSON.stringify(native) }], manifest);
    const { summary, fixes } = await acceptJob(deps, roundInput('job-accept-native', repo));
    expect(summary.failures[0]).toMatchObject({ id: 'app.server_starts', status: 'failed', problem: expect.stringContaining('rebuild failed: npm rebuild exited with') });
    expect(summary.unverified).toBe(summary.total - 1);
    expect(fixes.map((f) => f.ownerTaskId)).toEqual(['scaffold']);
    expect(fixes[0]?.problems[0]).toContain('setting the app up failed at "rebuild"');
    expect(fixes[0]?.problems[0]).toContain('gyp ERR! build error: sqlite3.h: No such file or directory');
  });

  it('an app that attacks the judge in the job\'s acceptance round is not accepted: issue 19 item 1', async () => {
    const forged = `${MARKER}${JSON.stringify({ listening: true, problem: null, port: 20000, portNote: null, startMs: 1, outcomes: [] })}`;
    const repo = await jobWith('job-accept-hostile', [], { name: 'books', version: '1.0.0', private: true, scripts: { start: 'node server.js pidfd' } });
    await commitFiles(repo, [{ path: 'server.js', content: hostileServer(forged) }], 'feat: books (answers 500, attacks the judge)');
    const { summary, fixes } = await acceptJob(deps, roundInput('job-accept-hostile', repo));
    expect(isAccepted(summary)).toBe(false);
    expect(summary.passed).toBeLessThan(summary.total);
    expect(summary.failed).toBeGreaterThan(0);
    expect(fixes.length).toBeGreaterThan(0);
    const report = AcceptanceReport.parse(JSON.parse(readFileSync(join(jobsDir, 'job-accept-hostile', 'acceptance', 'round-1.json'), 'utf8')));
    expect(report.app?.logExcerpt).toContain('attack pidfd: found 0 judge processes');
  });

  it('without a frozen suite, reports the job unverified, never accepted', async () => {
    const repo = join(jobsDir, 'job-accept-nosuite', 'repo');
    await initJobRepo(repo, [{ path: 'package.json', content: read('package.json') }, { path: 'server.js', content: read('server.js') }], 'chore: start job');
    const { summary, fixes } = await acceptJob(deps, roundInput('job-accept-nosuite', repo));
    expect(summary).toMatchObject({ passed: 0, failed: 0, unverified: 1, total: 1, projectTests: null });
    expect(summary.failures).toEqual([expect.objectContaining({ id: 'suite.missing', status: 'unverified', problem: expect.stringContaining('--spec FILE') })]);
    expect(isAccepted(summary)).toBe(false);
    expect(fixes).toEqual([]);
  });

  it('with no sandbox, reports every check unverified with the reason, and runs nothing', async () => {
    const repo = await jobWith('job-accept-nosandbox');
    const noSandbox: AcceptJobDeps = { ...deps, sandbox: async () => { throw new Error('neither Docker nor bubblewrap works here'); } };
    const { summary, fixes } = await acceptJob(noSandbox, roundInput('job-accept-nosandbox', repo));
    expect(summary).toMatchObject({ passed: 0, failed: 0, unverified: checkCount + 1, total: checkCount + 1 });
    expect(summary.failures[0]?.problem).toBe('no sandbox can run the app: neither Docker nor bubblewrap works here');
    expect(fixes).toEqual([]);
  });
});
