import { describe, expect, it } from 'vitest';
import { JobEvent, type JobView } from '../proto/index.js';
import { applyEvent, initialWatchState, printable, renderJobView, renderTree, type WatchState } from './render.js';

const jobId = 'jabc123';
const at = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;
const commit = 'abcdef0123456789abcdef0123456789abcdef01';

/** Parsed through the wire schema, so the fixtures cannot drift from proto/events.ts. */
const events: JobEvent[] = [
  { type: 'job.submitted', jobId, at: at(0), prompt: 'build a todo app', hasSpec: false, repo: '/tmp/todo' },
  { type: 'job.planning', jobId, at: at(1) },
  {
    type: 'job.planned',
    jobId,
    at: at(2),
    tasks: [
      { id: 't1', type: 'backend', description: 'Build the REST API', dependencies: [], priority: 9 },
      { id: 't2', type: 'frontend', description: 'Build the web UI', dependencies: ['t1'], priority: 5 },
      { id: 't3', type: 'testing', description: 'Write API tests', dependencies: ['t1'], priority: 5 },
    ],
  },
  { type: 'task.dispatched', jobId, taskId: 't1', at: at(3), role: 'backend', attempt: 1 },
  { type: 'task.progress', jobId, taskId: 't1', at: at(4), worker: 'backend-1', phase: 'generating', tokens: 120 },
  {
    type: 'task.completed',
    jobId,
    taskId: 't1',
    at: at(5),
    output: { commit, files: ['src/api.ts', 'src/db.ts'], summary: 'API', tokens: 300, validation: { passed: true, issues: [] }, conflicts: [] },
  },
  { type: 'task.dispatched', jobId, taskId: 't2', at: at(6), role: 'frontend', attempt: 1 },
  {
    type: 'task.failed',
    jobId,
    taskId: 't2',
    at: at(7),
    attempt: 1,
    error: { code: 'model_output_invalid', message: 'no file sections' },
    retryInMs: 1000,
  },
  { type: 'task.dispatched', jobId, taskId: 't2', at: at(8), role: 'frontend', attempt: 2 },
  {
    type: 'task.failed',
    jobId,
    taskId: 't2',
    at: at(9),
    attempt: 2,
    error: { code: 'task_failed', message: 'still broken' },
    retryInMs: null,
  },
  { type: 'task.blocked', jobId, taskId: 't3', at: at(10), blockedBy: 't2' },
  { type: 'job.failed', jobId, at: at(11), error: { code: 'task_failed', message: 'task t2 failed' } },
].map((e) => JobEvent.parse(e));

/** Every intermediate state of the fold, states[i] being the state after events[i]. */
function foldAll(): WatchState[] {
  const states: WatchState[] = [];
  let state = initialWatchState(jobId);
  for (const event of events) {
    state = applyEvent(state, event);
    states.push(state);
  }
  return states;
}

const taskAt = (state: WatchState | undefined, id: string) => state?.tasks.get(id);

describe('applyEvent', () => {
  const states = foldAll();

  it('starts in planning with no tasks', () => {
    expect(initialWatchState(jobId)).toEqual({ jobId, status: 'planning', tasks: new Map(), error: null, acceptance: null });
  });

  it('stays in planning until the plan arrives, then lists every task as pending', () => {
    expect(states[0]?.status).toBe('planning');
    expect(states[1]?.status).toBe('planning');
    expect(states[2]?.status).toBe('running');
    expect([...(states[2]?.tasks.values() ?? [])].map((t) => [t.id, t.status, t.attempts, t.dependencies])).toEqual([
      ['t1', 'pending', 0, []],
      ['t2', 'pending', 0, ['t1']],
      ['t3', 'pending', 0, ['t1']],
    ]);
  });

  it('follows a task through dispatch, progress and completion', () => {
    expect(taskAt(states[3], 't1')).toMatchObject({ status: 'running', attempts: 1, note: 'dispatched' });
    expect(taskAt(states[4], 't1')).toMatchObject({ status: 'running', note: 'generating · 120 tokens · backend-1' });
    expect(taskAt(states[5], 't1')).toMatchObject({ status: 'completed', note: '2 file(s), abcdef01' });
  });

  it('marks a failed task retrying while a retry is scheduled, failed when none is', () => {
    expect(taskAt(states[7], 't2')).toMatchObject({
      status: 'retrying',
      attempts: 1,
      note: 'model_output_invalid: no file sections',
    });
    expect(taskAt(states[8], 't2')).toMatchObject({ status: 'running', attempts: 2 });
    expect(taskAt(states[9], 't2')).toMatchObject({ status: 'failed', attempts: 2, note: 'task_failed: still broken' });
  });

  it('marks blocked tasks and the failed job with its error', () => {
    expect(taskAt(states[10], 't3')).toMatchObject({ status: 'blocked', note: 'blocked by t2' });
    const last = states[states.length - 1];
    expect(last?.status).toBe('failed');
    expect(last?.error).toBe('task t2 failed');
  });

  it('does not change earlier states', () => {
    expect(taskAt(states[2], 't1')?.status).toBe('pending');
    expect(taskAt(states[5], 't2')?.status).toBe('pending');
    expect(states[9]?.error).toBeNull();
  });

  it('shows each validation stage on its task as it finishes', () => {
    const stage = (status: string, summary: string) =>
      JobEvent.parse({
        type: 'validation.stage',
        jobId,
        taskId: 't1',
        at: at(4),
        attempt: 1,
        result: { stage: 'unit_tests', status, durationMs: 900, summary, reason: null, failures: [], warnings: [], metrics: {} },
      });
    const passed = applyEvent(states[4]!, stage('passed', '3 passed'));
    expect(taskAt(passed, 't1')).toMatchObject({ status: 'running', note: 'validating · unit_tests passed' });
    const failed = applyEvent(states[4]!, stage('failed', '1 of 3 failed'));
    expect(taskAt(failed, 't1')?.note).toBe('validating · unit_tests failed: 1 of 3 failed');
  });

  it('ignores task events for tasks it does not know', () => {
    const state = states[2]!;
    const stray = JobEvent.parse({ type: 'task.dispatched', jobId, taskId: 't99', at: at(3), role: 'docs', attempt: 1 });
    expect([...applyEvent(state, stray).tasks.keys()]).toEqual(['t1', 't2', 't3']);
  });
});

describe('renderTree', () => {
  it('nests dependents under the task they depend on, with icons, notes and the error', () => {
    const final = foldAll().at(-1)!;
    expect(renderTree(final)).toEqual([
      `job ${jobId}: failed`,
      '└─ ✔ t1 [backend] Build the REST API  2 file(s), abcdef01',
      '   ├─ ✘ t2 [frontend] Build the web UI (attempt 2)  task_failed: still broken',
      '   └─ ⊘ t3 [testing] Write API tests  blocked by t2',
      'error: task t2 failed',
    ]);
  });

  it('shows pending and retrying icons while the job runs', () => {
    const states = foldAll();
    expect(renderTree(states[7]!)).toEqual([
      `job ${jobId}: running`,
      '└─ ✔ t1 [backend] Build the REST API  2 file(s), abcdef01',
      '   ├─ ↻ t2 [frontend] Build the web UI  model_output_invalid: no file sections',
      '   └─ · t3 [testing] Write API tests',
    ]);
  });

  it('renders only the header before the plan arrives', () => {
    expect(renderTree(initialWatchState(jobId))).toEqual([`job ${jobId}: planning`]);
  });
});

describe('renderJobView', () => {
  it('lists each task with its status and attempts, then the error', () => {
    const view: JobView = {
      jobId,
      status: 'failed',
      repo: '/tmp/todo',
      prompt: 'build a todo app',
      createdAt: at(0),
      error: { code: 'task_failed', message: 'task t2 failed' },
      tasks: [
        { id: 't1', type: 'backend', status: 'completed', attempts: 1 },
        { id: 't2', type: 'frontend', status: 'failed', attempts: 2 },
      ],
    };
    expect(renderJobView(view)).toEqual([
      `job ${jobId}: failed`,
      'repo: /tmp/todo',
      '  ✔ t1 [backend] completed (attempts: 1)',
      '  ✘ t2 [frontend] failed (attempts: 2)',
      'error: task_failed: task t2 failed',
    ]);
  });
});

describe('printing untrusted text', () => {
  it('shows controls, ANSI escapes and right-to-left overrides as visible escapes, in the tree and the job view', () => {
    expect(printable('ok\u001b[2J\u0007done\nnext')).toBe('ok\\x1b[2J\\x07done\\x0anext');
    const view = {
      jobId: 'j1',
      status: 'failed' as const,
      repo: '/tmp/r\u202eepo',
      prompt: 'p',
      createdAt: '2026-01-01T00:00:00.000Z',
      error: { code: 'task_failed' as const, message: 'boom\u001b[31m' },
      tasks: [],
    };
    const printed = renderJobView(view).join('\n');
    expect(printed).toContain('repo: /tmp/r\\u202eepo');
    expect(printed).toContain('boom\\x1b[31m');
    expect(printed).not.toMatch(/[\u001b\u202e]/);
  });
});
