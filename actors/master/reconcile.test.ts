import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JOB_RECORD_VERSION, type JobRecord } from '../../proto/index.js';
import { makeTask } from '../../machines/task.fixture.js';
import { commitFiles, initJobRepo } from '../git/repo.js';
import { attemptRecordsIn } from '../integration/attempt-records.js';
import { reconcileWithRepo } from './reconcile.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('reconcileWithRepo, on a real repository', () => {
  it('records a task whose in-flight attempt was committed before the crash, and re-queues the rest', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'autodev-reconcile-'));
    dirs.push(repo);
    await initJobRepo(repo, [{ path: 'AUTODEV.md', content: 'x' }], 'chore: start');
    const commit = await commitFiles(
      repo,
      [{ path: 'src/a.ts', content: 'export const a = 1;\n' }],
      't1 (backend): a\n\nwrote a\n\nJob: j1\nTask: t1\nAttempt: 2\nValidation: passed\n',
    );
    await commitFiles(repo, [{ path: 'src/b.ts', content: 'x' }], 't2 (backend): b\n\nold\n\nJob: j1\nTask: t2\nAttempt: 1\nValidation: passed\n');
    const job: JobRecord = {
      schemaVersion: JOB_RECORD_VERSION,
      id: 'j1',
      prompt: 'p',
      spec: null,
      blueprint: null,
      status: 'running',
      repo,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      tasks: [
        makeTask('t1', { status: 'running', attempts: 2 }),
        makeTask('t2', { status: 'running', attempts: 2 }),
        makeTask('t3', { status: 'retrying', attempts: 1 }),
      ],
      error: null, acceptance: null,
    };
    const restored = await reconcileWithRepo(job);
    const [t1, t2, t3] = restored.tasks;
    expect(t1).toMatchObject({ status: 'completed', output: { commit, files: ['src/a.ts'], summary: 'wrote a' } });
    // t2's commit belongs to an older attempt: the in-flight one never committed.
    expect(t2?.status).toBe('pending');
    expect(t3?.status).toBe('pending');
  });

  it('gives a recovered task the full report the engine recorded, and re-queues one whose record says it failed', async () => {
    const jobDir = mkdtempSync(join(tmpdir(), 'autodev-reconcile-'));
    dirs.push(jobDir);
    const repo = join(jobDir, 'repo');
    await initJobRepo(repo, [{ path: 'AUTODEV.md', content: 'x' }], 'chore: start');
    const passed = await commitFiles(repo, [{ path: 'a.ts', content: 'a' }], 't1 (backend): a\n\nwrote a\n\nJob: j1\nTask: t1\nAttempt: 1\nValidation: passed\n');
    const failed = await commitFiles(repo, [{ path: 'b.ts', content: 'b' }], 't2 (backend): b\n\nwrote b\n\nJob: j1\nTask: t2\nAttempt: 1\nValidation: 1 issue(s)\n');
    const records = attemptRecordsIn(join(jobDir, 'integration'));
    const stages = [{ stage: 'syntax' as const, status: 'passed' as const, summary: 'ok' }];
    await records.write('t1', 1, { commit: passed, files: ['a.ts'], summary: 'wrote a', tokens: 7, validation: { passed: true, issues: [], stages }, conflicts: [] });
    await records.write('t2', 1, { commit: failed, files: ['b.ts'], summary: 'wrote b', tokens: 2, validation: { passed: false, issues: ['[lint] b.ts'] }, conflicts: [] });
    const job: JobRecord = {
      schemaVersion: JOB_RECORD_VERSION, id: 'j1', prompt: 'p', spec: null, blueprint: null, status: 'running', repo,
      createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
      tasks: [makeTask('t1', { status: 'running', attempts: 1 }), makeTask('t2', { status: 'running', attempts: 1 })],
      error: null, acceptance: null,
    };
    const [t1, t2] = (await reconcileWithRepo(job)).tasks;
    expect(t1).toMatchObject({ status: 'completed', output: { commit: passed, tokens: 7, validation: { passed: true, stages } } });
    // The recovered attempt's tokens are counted, as the Master would have counted them had it seen the success.
    expect(t1?.tokensUsed).toBe(7);
    // The attempt whose commit is not recovered was cut short by the crash: it costs no retry.
    expect(t2).toMatchObject({ status: 'pending', attempts: 1, interruptedAttempts: 1 });
  });

  it('leaves a job found integrating as it was, so its round resumes under the same number; one with unfinished tasks runs them first', async () => {
    const at = '2026-01-01T00:00:00.000Z';
    const integrating: JobRecord = {
      schemaVersion: JOB_RECORD_VERSION, id: 'j1', prompt: 'p', spec: null, blueprint: null, status: 'integrating', repo: '/nonexistent',
      createdAt: at, updatedAt: at, tasks: [makeTask('t1', { status: 'completed', attempts: 1 })], error: null,
      acceptance: { rounds: 2, maxRounds: 3, last: null },
    };
    expect(await reconcileWithRepo(integrating)).toEqual(integrating);
    const broken = { ...integrating, tasks: [...integrating.tasks, makeTask('t2', { status: 'retrying', attempts: 1 })] };
    const restored = await reconcileWithRepo(broken);
    expect(restored).toMatchObject({ status: 'running', acceptance: { rounds: 2 } });
    expect(restored.tasks.map((t) => t.status)).toEqual(['completed', 'pending']);
  });

  it('does not recover an attempt whose recorded verdict is unverified, even though its stages passed', async () => {
    const jobDir = mkdtempSync(join(tmpdir(), 'autodev-reconcile-'));
    dirs.push(jobDir);
    const repo = join(jobDir, 'repo');
    await initJobRepo(repo, [{ path: 'AUTODEV.md', content: 'x' }], 'chore: start');
    const commit = await commitFiles(repo, [{ path: 'a.ts', content: 'a' }], 't1 (backend): a\n\nwrote a\n\nJob: j1\nTask: t1\nAttempt: 1\nValidation: passed\n');
    await attemptRecordsIn(join(jobDir, 'integration')).write('t1', 1, { commit, files: ['a.ts'], summary: 'wrote a', tokens: 1, validation: { passed: true, issues: [], verdict: 'unverified' }, conflicts: [] });
    const job: JobRecord = {
      schemaVersion: JOB_RECORD_VERSION, id: 'j1', prompt: 'p', spec: null, blueprint: null, status: 'running', repo,
      createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
      tasks: [makeTask('t1', { status: 'running', attempts: 1 })], error: null, acceptance: null,
    };
    expect((await reconcileWithRepo(job)).tasks[0]?.status).toBe('pending');
  });
});

