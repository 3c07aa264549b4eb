import { describe, expect, it } from 'vitest';
import { JobEvent } from '../proto/index.js';
import { renderTree } from './render.js';
import { createWatchStore, initialWatchState, type WatchState } from './watch-store.js';

const jobId = 'jwatch1';
const at = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;
const commit = '0123456789abcdef0123456789abcdef01234567';

function stage(taskId: string, attempt: number, name: string, status: string, summary: string, s: number) {
  return {
    type: 'validation.stage',
    jobId,
    taskId,
    at: at(s),
    attempt,
    result: { stage: name, status, durationMs: 10, summary, reason: null, failures: [], warnings: [], metrics: {} },
  };
}

/**
 * A job whose backend task fails once and is retried, passes validation on
 * the second attempt, whose frontend fails validation and gets a fix task,
 * and which ends failed when the fix task gives up. Parsed through the wire
 * schema so the fixture cannot drift from proto/events.ts.
 */
const events: JobEvent[] = [
  { type: 'job.submitted', jobId, at: at(0), prompt: 'todo app', hasSpec: false, repo: '/tmp/todo' },
  { type: 'job.planning', jobId, at: at(1) },
  {
    type: 'job.planned',
    jobId,
    at: at(2),
    tasks: [
      { id: 't1', type: 'backend', description: 'REST API', dependencies: [], priority: 9 },
      { id: 't2', type: 'frontend', description: 'Web UI', dependencies: ['t1'], priority: 5 },
    ],
  },
  { type: 'task.dispatched', jobId, taskId: 't1', at: at(3), role: 'backend', attempt: 1 },
  stage('t1', 1, 'syntax', 'failed', 'src/api.ts: unexpected token', 4),
  { type: 'task.failed', jobId, taskId: 't1', at: at(5), attempt: 1, error: { code: 'validation_failed', message: 'syntax' }, retryInMs: 500 },
  { type: 'task.dispatched', jobId, taskId: 't1', at: at(6), role: 'backend', attempt: 2 },
  stage('t1', 2, 'syntax', 'passed', 'ok', 7),
  stage('t1', 2, 'unit_tests', 'passed', '4 passed', 8),
  {
    type: 'task.completed',
    jobId,
    taskId: 't1',
    at: at(9),
    output: { commit, files: ['src/api.ts'], summary: 'API', tokens: 100, validation: { passed: true, issues: [] }, conflicts: [] },
  },
  { type: 'task.dispatched', jobId, taskId: 't2', at: at(10), role: 'frontend', attempt: 1 },
  stage('t2', 1, 'lint', 'failed', '2 errors', 11),
  {
    type: 'task.created',
    jobId,
    taskId: 't2-fix1',
    at: at(12),
    task: { id: 't2-fix1', type: 'frontend', description: 'Fix lint errors in Web UI', dependencies: ['t2'], priority: 6 },
    reason: 'fix',
    fixOf: 't2',
  },
  { type: 'task.dispatched', jobId, taskId: 't2-fix1', at: at(13), role: 'frontend', attempt: 1 },
  { type: 'task.failed', jobId, taskId: 't2-fix1', at: at(14), attempt: 1, error: { code: 'task_failed', message: 'gave up' }, retryInMs: null },
  { type: 'job.failed', jobId, at: at(15), error: { code: 'task_failed', message: 'task t2-fix1 failed' } },
].map((e) => JobEvent.parse(e));

/** states[i] is the store's state after events[i]. */
function feedAll(): WatchState[] {
  const store = createWatchStore(initialWatchState(jobId));
  return events.map((event) => {
    store.send(event);
    return store.getSnapshot().context;
  });
}

describe('watch store', () => {
  const states = feedAll();
  const task = (i: number, id: string) => states[i]?.tasks.get(id);

  it('plans every task as pending and moves the job to running', () => {
    expect(states[1]?.status).toBe('planning');
    expect(states[2]?.status).toBe('running');
    expect([...(states[2]?.tasks.values() ?? [])].map((t) => [t.id, t.status, t.attempts, t.stages])).toEqual([
      ['t1', 'pending', 0, []],
      ['t2', 'pending', 0, []],
    ]);
  });

  it('records each validation stage of the current attempt and starts over on a retry', () => {
    expect(task(4, 't1')?.stages.map((s) => [s.stage, s.status])).toEqual([['syntax', 'failed']]);
    expect(task(4, 't1')?.note).toBe('validating · syntax failed: src/api.ts: unexpected token');
    expect(task(5, 't1')).toMatchObject({ status: 'retrying', attempts: 1, note: 'validation_failed: syntax' });
    expect(task(6, 't1')).toMatchObject({ status: 'running', attempts: 2, stages: [] });
    expect(task(8, 't1')?.stages.map((s) => [s.stage, s.status])).toEqual([
      ['syntax', 'passed'],
      ['unit_tests', 'passed'],
    ]);
    expect(task(9, 't1')).toMatchObject({ status: 'completed', attempts: 2, note: '1 file(s), 01234567' });
  });

  it('ignores a late stage from an earlier attempt', () => {
    const store = createWatchStore(states[7]!);
    store.send(JobEvent.parse(stage('t1', 1, 'lint', 'failed', 'stale', 7)));
    expect(store.getSnapshot().context.tasks.get('t1')?.stages.map((s) => s.stage)).toEqual(['syntax']);
  });

  it('adds a fix task under the task it fixes, then fails the job with its error', () => {
    expect(task(12, 't2-fix1')).toMatchObject({ status: 'pending', attempts: 0, note: 'fix for t2', dependencies: ['t2'] });
    expect(task(14, 't2-fix1')).toMatchObject({ status: 'failed', note: 'task_failed: gave up' });
    const last = states.at(-1)!;
    expect(last.status).toBe('failed');
    expect(last.error).toBe('task t2-fix1 failed');
    expect(renderTree(last)).toEqual([
      `job ${jobId}: failed`,
      '└─ ✔ t1 [backend] REST API (attempt 2)  1 file(s), 01234567',
      '   └─ ▶ t2 [frontend] Web UI  validating · lint failed: 2 errors',
      '      └─ ✘ t2-fix1 [frontend] Fix lint errors in Web UI  task_failed: gave up',
      'error: task t2-fix1 failed',
    ]);
  });

  it('leaves earlier states untouched and ignores tasks it never saw planned', () => {
    expect(task(2, 't1')?.status).toBe('pending');
    expect(states[11]?.tasks.has('t2-fix1')).toBe(false);
    const store = createWatchStore(states[2]!);
    store.send(JobEvent.parse({ type: 'task.dispatched', jobId, taskId: 't99', at: at(3), role: 'docs', attempt: 1 }));
    expect(store.getSnapshot().context).toBe(states[2]);
  });

  it('shows the integration round and counts its checks, then the accepted round after a fix', () => {
    const check = (round: number, id: string, status: 'passed' | 'failed' | 'blocked' | 'unverified', s: number) =>
      JobEvent.parse({
        type: 'acceptance.check',
        jobId,
        at: at(s),
        round,
        result: {
          id, operationId: 'createTodo', kind: 'operation', title: id, status, request: null,
          expected: { status: '201', contentType: null, schema: null, detail: '' },
          actual: { step: 'create', status: 201, contentType: null, bodyExcerpt: '', schemaErrors: [], problem: null },
        },
      });
    const store = createWatchStore(states[9]!);
    store.send(JobEvent.parse({ type: 'job.integrating', jobId, at: at(20), round: 1, maxRounds: 3, commit }));
    expect(store.getSnapshot().context).toMatchObject({ status: 'integrating', acceptance: { round: 1, maxRounds: 3, passed: 0, failed: 0 } });
    for (const [i, status] of (['passed', 'failed', 'passed', 'unverified', 'blocked'] as const).entries()) store.send(check(1, `c${i}`, status, 21));
    // A check of another round is not counted in this one.
    store.send(check(2, 'late', 'failed', 22));
    expect(store.getSnapshot().context.acceptance).toEqual({ round: 1, maxRounds: 3, passed: 2, failed: 1, blocked: 1, unverified: 1, accepted: false });
    expect(renderTree(store.getSnapshot().context)[1]).toBe('acceptance round 1/3: 2 passed, 1 failed, 1 blocked, 1 unverified');
    store.send(JobEvent.parse({
      type: 'task.created', jobId, taskId: 't1-accept1', at: at(23), reason: 'acceptance', fixOf: 't1',
      task: { id: 't1-accept1', type: 'backend', description: 'Fix the acceptance failures of t1', dependencies: ['t1'], priority: 10 },
    }));
    expect(store.getSnapshot().context.tasks.get('t1-accept1')).toMatchObject({ status: 'pending', note: 'acceptance for t1' });
    store.send(JobEvent.parse({ type: 'job.integrating', jobId, at: at(30), round: 2, maxRounds: 3, commit }));
    store.send(check(2, 'c0', 'passed', 31));
    store.send(JobEvent.parse({ type: 'job.accepted', jobId, at: at(32), round: 2, passed: 1, total: 1, commit }));
    store.send(JobEvent.parse({ type: 'job.completed', jobId, at: at(33) }));
    const final = store.getSnapshot().context;
    expect(final.status).toBe('completed');
    expect(renderTree(final).slice(0, 2)).toEqual([`job ${jobId}: completed`, 'acceptance round 2/3: 1 passed, 0 failed, 0 unverified · accepted']);
  });
});

