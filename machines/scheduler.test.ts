import { describe, expect, it } from 'vitest';
import type { Task, TaskStatus } from '../proto/index.js';
import { chainHeights, jobOutcome, pickReadyTasks, resetInFlight, retryDelayMs, transitiveDependents } from './scheduler.js';
import { makeTask } from './task.fixture.js';

const task = makeTask;

const ids = (tasks: readonly Task[]) => tasks.map((t) => t.id);
const withStatuses = (...statuses: TaskStatus[]) => statuses.map((status, i) => task(`t${i + 1}`, { status }));

describe('retryDelayMs', () => {
  it('doubles from one second', () => {
    expect([1, 2, 3].map((a) => retryDelayMs(a))).toEqual([1000, 2000, 4000]);
  });

  it('scales with the base and never goes below it', () => {
    expect(retryDelayMs(3, 50)).toBe(200);
    expect(retryDelayMs(0)).toBe(1000);
  });
});

describe('pickReadyTasks', () => {
  it('only picks tasks whose dependencies are all completed', () => {
    const tasks = [
      task('t1', { status: 'completed' }),
      task('t2', { status: 'running' }),
      task('t3', { dependencies: ['t1'] }),
      task('t4', { dependencies: ['t1', 't2'] }),
      task('t5', { dependencies: ['t9'] }),
    ];
    expect(ids(pickReadyTasks(tasks, 10))).toEqual(['t3']);
  });

  it('orders by priority, highest first, then by plan order', () => {
    const tasks = [
      task('t1', { priority: 3 }),
      task('t2', { priority: 8 }),
      task('t3', { priority: 3 }),
      task('t4', { priority: 10 }),
      task('t5', { priority: 8 }),
    ];
    expect(ids(pickReadyTasks(tasks, 10))).toEqual(['t4', 't2', 't5', 't1', 't3']);
  });

  it('returns at most `slots` tasks, the best ones', () => {
    const tasks = [task('t1', { priority: 1 }), task('t2', { priority: 9 }), task('t3', { priority: 5 })];
    expect(ids(pickReadyTasks(tasks, 2))).toEqual(['t2', 't3']);
    expect(pickReadyTasks(tasks, 0)).toEqual([]);
    expect(pickReadyTasks(tasks, -1)).toEqual([]);
  });

  it('ignores every task that is not pending', () => {
    const tasks = withStatuses('running', 'retrying', 'completed', 'failed', 'blocked', 'cancelled', 'pending');
    expect(ids(pickReadyTasks(tasks, 10))).toEqual(['t7']);
  });
});

describe('transitiveDependents', () => {
  it('returns direct and indirect dependents in plan order, without the root', () => {
    // t5 is listed before its own dependency t4, so one pass is not enough.
    const tasks = [
      task('t1'),
      task('t5', { dependencies: ['t4'] }),
      task('t2', { dependencies: ['t1'] }),
      task('t3'),
      task('t4', { dependencies: ['t2', 't3'] }),
    ];
    expect(ids(transitiveDependents(tasks, 't1'))).toEqual(['t5', 't2', 't4']);
    expect(ids(transitiveDependents(tasks, 't3'))).toEqual(['t5', 't4']);
    expect(transitiveDependents(tasks, 't5')).toEqual([]);
  });
});

describe('jobOutcome', () => {
  it('is in progress while any task is not terminal', () => {
    expect(jobOutcome(withStatuses('completed', 'pending'))).toBe('in_progress');
    expect(jobOutcome(withStatuses('completed', 'running'))).toBe('in_progress');
    expect(jobOutcome(withStatuses('failed', 'retrying'))).toBe('in_progress');
  });

  it('is completed only when every task completed', () => {
    expect(jobOutcome(withStatuses('completed', 'completed'))).toBe('completed');
  });

  it('is failed when all tasks are terminal and any did not complete', () => {
    expect(jobOutcome(withStatuses('completed', 'failed'))).toBe('failed');
    expect(jobOutcome(withStatuses('completed', 'blocked'))).toBe('failed');
    expect(jobOutcome(withStatuses('cancelled'))).toBe('failed');
  });
});

describe('resetInFlight', () => {
  it('sends running and retrying tasks back to pending and frees their worker', () => {
    const tasks = [
      task('t1', { status: 'running', assignedWorker: 'w1', attempts: 1 }),
      task('t2', { status: 'retrying', assignedWorker: 'w2', attempts: 2 }),
      task('t3', { status: 'completed', assignedWorker: 'w3', attempts: 1 }),
      task('t4', { status: 'failed', assignedWorker: 'w4', attempts: 4 }),
      task('t5'),
    ];
    const reset = resetInFlight(tasks);
    expect(reset.map((t) => [t.id, t.status, t.assignedWorker, t.attempts])).toEqual([
      ['t1', 'pending', null, 1],
      ['t2', 'pending', null, 2],
      ['t3', 'completed', 'w3', 1],
      ['t4', 'failed', 'w4', 4],
      ['t5', 'pending', null, 0],
    ]);
    // The input is not mutated.
    expect(tasks[0]!.status).toBe('running');
    expect(tasks[1]!.assignedWorker).toBe('w2');
  });
});

describe('resetInFlight after a daemon restart', () => {
  it('counts a running attempt as interrupted (no retry charged) and keeps the tokens it had generated', () => {
    const [running, retrying] = resetInFlight([
      task('t1', { status: 'running', attempts: 2, interruptedAttempts: 1, tokensUsed: 10, inFlightTokens: 35 }),
      task('t2', { status: 'retrying', attempts: 1, tokensUsed: 4 }),
    ]);
    expect(running).toMatchObject({ status: 'pending', attempts: 2, interruptedAttempts: 2, tokensUsed: 45, inFlightTokens: 0 });
    // A task waiting out its backoff had no attempt in flight: nothing was interrupted.
    expect(retrying).toMatchObject({ status: 'pending', tokensUsed: 4 });
    expect(retrying?.interruptedAttempts).toBeUndefined();
  });
});

describe('a task that needs a fix', () => {
  it('lets its follow-up start, and counts as settled once that follow-up completed', () => {
    const tasks = [
      task('t1', { status: 'needs_fix', attempts: 1 }),
      task('t1-fix1', { dependencies: ['t1'] }),
      task('t2', { dependencies: ['t1', 't1-fix1'] }),
    ];
    expect(pickReadyTasks(tasks, 5).map((t) => t.id)).toEqual(['t1-fix1']);
    expect(jobOutcome(tasks)).toBe('in_progress');
    const fixed = tasks.map((t) => ({ ...t, status: 'completed' as const, ...(t.id === 't1' ? { status: 'needs_fix' as const } : {}) }));
    expect(jobOutcome(fixed)).toBe('completed');
    expect(jobOutcome(fixed.map((t) => (t.id === 't1-fix1' ? { ...t, status: 'failed' as const } : t)))).toBe('failed');
  });
});

describe('critical path first', () => {
  it('among equal priorities, starts the task with the longest chain of work behind it', () => {
    const tasks = [
      makeTask('t1', { estimatedTime: 5 }),
      makeTask('t2', { estimatedTime: 1 }),
      makeTask('t3', { estimatedTime: 10, dependencies: ['t2'] }),
      makeTask('t4', { estimatedTime: 2 }),
    ];
    expect(chainHeights(tasks).get('t2')).toBe(11);
    expect(pickReadyTasks(tasks, 2).map((t) => t.id)).toEqual(['t2', 't1']);
    expect(pickReadyTasks(tasks.map((t) => (t.id === 't4' ? { ...t, priority: 9 } : t)), 1).map((t) => t.id)).toEqual(['t4']);
  });
});
