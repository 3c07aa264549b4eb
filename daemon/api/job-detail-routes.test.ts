import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, initJobRepo } from '../../actors/git/repo.js';
import { AcceptanceRoundApp, JOB_RECORD_VERSION, JobRecord, TASK_DIFF_LIMITS, TaskDiff, type Task } from '../../proto/index.js';
import { makeTask } from '../../machines/task.fixture.js';
import { createApp } from './app.js';

/** The diff and round routes, mounted in the API, against a real isomorphic-git repository and real report files. */
function task(id: string, commit: string | null): Task {
  return makeTask(id, {
    attempts: commit ? 1 : 0,
    maxRetries: 1,
    status: commit ? 'completed' : 'pending',
    prompt: '',
    output: commit ? { commit, files: [], summary: '', tokens: 1, validation: { passed: true, issues: [] }, conflicts: [] } : null,
    validationRules: [{ kind: 'file_exists', path: 'a.txt' }],
    tokensUsed: 1,
  });
}

describe('job detail routes', () => {
  let dir: string;
  let record: JobRecord;
  let app: ReturnType<typeof createApp>;
  const get = async (path: string) => {
    const res = await app.request(path, { headers: { host: '127.0.0.1:4321', authorization: 'Bearer t' } });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'job-detail-'));
    const repo = join(dir, 'j1', 'repo');
    const root = await initJobRepo(repo, [{ path: 'a.txt', content: 'one\ntwo\nthree\n' }], 'initial');
    const second = await commitFiles(
      repo,
      [
        { path: 'a.txt', content: 'one\n2\nthree\n' },
        { path: 'src/<img onerror>.js', content: "alert('x')\n" },
        { path: 'big.txt', content: 'x'.repeat(TASK_DIFF_LIMITS.maxFileBytes + 1) },
        { path: 'long.txt', content: `${'y'.repeat(TASK_DIFF_LIMITS.maxLineChars + 50)}\n` },
      ],
      't2',
    );
    const binary = await commitFiles(repo, [{ path: 'bin.dat', content: '\x01\x00\x02' }], 't3');
    record = JobRecord.parse({
      schemaVersion: JOB_RECORD_VERSION,
      id: 'j1',
      prompt: 'p',
      spec: null,
      blueprint: null,
      status: 'running',
      repo,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      tasks: [task('t1', root), task('t2', second), task('t3', binary), task('t4', null)],
      error: null,
      acceptance: null,
    });
    mkdirSync(join(dir, 'j1', 'acceptance'));
    writeFileSync(
      join(dir, 'j1', 'acceptance', 'round-1.json'),
      JSON.stringify({
        type: 'acceptance.report',
        passed: 0,
        failed: 0,
        unverified: 0,
        total: 0,
        durationMs: 1,
        app: { sandbox: 'bubblewrap', steps: [{ name: 'start', status: 'passed', reason: null, durationMs: 3, logExcerpt: 'listening' }], logExcerpt: 'GET /lists 200' },
        checks: [],
      }),
    );
    const fail = () => Promise.reject(new Error('not used'));
    app = createApp({
      token: 't',
      listenPort: () => 4321,
      maxBodyBytes: 1000,
      jobs: { get: async (id) => (id === 'j1' ? record : null), list: async () => [record], submit: fail, cancel: fail },
      jobEvents: async function* () {},
      health: () => {
        throw new Error('not used');
      },
      jobsDir: dir,
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("answers a task's commit against its first parent as bounded unified hunks", async () => {
    const { status, body } = await get('/jobs/j1/tasks/t2/diff');
    expect(status).toBe(200);
    const diff = TaskDiff.parse(body);
    if (diff.state !== 'committed') throw new Error('expected a committed diff');
    expect(diff.parent).toBe(record.tasks[0]?.output?.commit);
    const byPath = new Map(diff.files.map((f) => [f.path, f]));
    expect(byPath.get('a.txt')).toMatchObject({ status: 'modified', additions: 1, deletions: 1, omitted: null });
    expect(byPath.get('a.txt')?.hunks[0]?.lines).toEqual([' one', '-two', '+2', ' three']);
    expect(byPath.get('src/<img onerror>.js')).toMatchObject({ status: 'added', additions: 1, deletions: 0 });
    expect(byPath.get('big.txt')).toMatchObject({ omitted: 'too_large', hunks: [], additions: null });
    expect(byPath.get('long.txt')?.hunks[0]?.lines[0]?.length).toBe(TASK_DIFF_LIMITS.maxLineChars + 1);
    expect(diff.truncated).toBe(true);
  });

  it('lists every file of a root commit as added, and a binary file without hunks', async () => {
    const root = TaskDiff.parse((await get('/jobs/j1/tasks/t1/diff')).body);
    expect(root).toMatchObject({ state: 'committed', parent: null, truncated: false, files: [{ path: 'a.txt', status: 'added', additions: 3 }] });
    const binary = TaskDiff.parse((await get('/jobs/j1/tasks/t3/diff')).body);
    expect(binary).toMatchObject({ state: 'committed', files: [{ path: 'bin.dat', status: 'added', omitted: 'binary', hunks: [] }] });
  });

  it('says "no commit yet" for a task that has none, and 404 or 400 for what does not exist or is not an id', async () => {
    expect(TaskDiff.parse((await get('/jobs/j1/tasks/t4/diff')).body)).toEqual({ state: 'no_commit', jobId: 'j1', taskId: 't4', taskStatus: 'pending' });
    expect((await get('/jobs/j1/tasks/t9/diff')).status).toBe(404);
    expect((await get('/jobs/j2/tasks/t1/diff')).status).toBe(404);
    expect((await get('/jobs/J1/tasks/t1/diff')).status).toBe(400);
    expect((await get('/jobs/j1/tasks/..%2Ft1/diff')).status).toBe(400);
  });

  it("answers a round's app steps and log, 'not_reported' before the report exists, and refuses a bad round", async () => {
    const one = AcceptanceRoundApp.parse((await get('/jobs/j1/acceptance/rounds/1/app')).body);
    expect(one).toMatchObject({ state: 'reported', round: 1, app: { logExcerpt: 'GET /lists 200', steps: [{ name: 'start', logExcerpt: 'listening' }] } });
    expect(AcceptanceRoundApp.parse((await get('/jobs/j1/acceptance/rounds/2/app')).body)).toEqual({ state: 'not_reported', jobId: 'j1', round: 2 });
    expect((await get('/jobs/j1/acceptance/rounds/0/app')).status).toBe(400);
    expect((await get('/jobs/j1/acceptance/rounds/x/app')).status).toBe(400);
    expect((await get('/jobs/j2/acceptance/rounds/1/app')).status).toBe(404);
  });
});
