import { describe, expect, it } from 'vitest';
import type { MasterNotice } from './master.machine.js';
import { harness, job, output, task } from './master.fixture.js';

const ofTask = (notices: MasterNotice[], taskId: string) =>
  notices.filter((n) => 'taskId' in n && n.taskId === taskId).map((n) => n.type);

describe('master machine: what a task state and event say', () => {
  it('records an attempt committed with a failed verdict as needs_fix and task.committed, never task.completed', async () => {
    const h = harness({ plan: [task('t1'), task('t2', { dependencies: ['t1'] })] });
    h.actor.start();
    await h.settle();
    h.succeed('t1', [], [], { passed: false, issues: ['rule failed: file exists: a.ts: missing'], verdict: 'failed', rules: [{ rule: { kind: 'file_exists', path: 'a.ts' }, status: 'failed', detail: 'missing', durationMs: 1 }] });
    expect(h.statuses()).toMatchObject({ t1: 'needs_fix', 't1-fix1': 'running' });
    expect(ofTask(h.notices, 't1')).toEqual(['task.dispatched', 'task.committed']);
    const committed = h.notices.find((n) => n.type === 'task.committed');
    expect(committed).toMatchObject({ taskId: 't1', attempt: 1, verdict: 'failed', conflicts: [] });
    // The event saying the task was committed comes before the one creating its fix.
    const order = h.notices.map((n) => n.type);
    expect(order.indexOf('task.committed')).toBeLessThan(order.indexOf('task.created'));
    h.succeed('t1-fix1');
    expect(ofTask(h.notices, 't1-fix1')).toEqual(['task.created', 'task.dispatched', 'task.completed']);
    // The fix passed, so t1's dependent runs and the job completes with t1 still saying what happened to it.
    h.succeed('t2');
    await h.settle();
    expect(h.actor.getSnapshot().value).toBe('completed');
    expect(h.statuses()).toEqual({ t1: 'needs_fix', 't1-fix1': 'completed', t2: 'completed' });
  });

  it('records a merge conflict as needs_fix with the conflicted files in task.committed', async () => {
    const h = harness({ plan: [task('t1')] });
    h.actor.start();
    await h.settle();
    h.succeed('t1', [], ['src/a.ts']);
    expect(h.statuses()).toMatchObject({ t1: 'needs_fix', 't1-merge1': 'running' });
    expect(h.notices.find((n) => n.type === 'task.committed')).toMatchObject({ taskId: 't1', verdict: 'passed', conflicts: ['src/a.ts'] });
    expect(ofTask(h.notices, 't1')).not.toContain('task.completed');
  });

  it('emits task.completed only for a passed verdict', async () => {
    const h = harness({ plan: [task('t1')] });
    h.actor.start();
    await h.settle();
    h.succeed('t1');
    expect(ofTask(h.notices, 't1')).toEqual(['task.dispatched', 'task.completed']);
    expect(h.notices.some((n) => n.type === 'task.committed')).toBe(false);
  });
});

describe('master machine: costs that add up', () => {
  it('counts planning usage reported while planning, and keeps it once the plan is in', async () => {
    const h = harness({ plan: [task('t1')] });
    h.actor.start();
    h.actor.send({ type: 'MODEL_USAGE', tokens: 120 });
    h.actor.send({ type: 'MODEL_USAGE', tokens: 30, costUsd: 0.01 });
    await h.settle();
    expect(h.actor.getSnapshot().context.job.planningUsage).toEqual({ tokens: 150, costUsd: 0.01 });
  });

  it('counts planning usage of a job cancelled while it plans', () => {
    const h = harness({ plan: [task('t1')] });
    h.actor.start();
    h.actor.send({ type: 'MODEL_USAGE', tokens: 400 });
    h.actor.send({ type: 'CANCEL', reason: 'stop' });
    expect(h.actor.getSnapshot().value).toBe('cancelled');
    expect(h.actor.getSnapshot().context.job.planningUsage).toEqual({ tokens: 400 });
  });

  it('shows a running attempt\'s tokens live, and counts them once when it ends', async () => {
    const h = harness({ plan: [task('t1')] });
    h.actor.start();
    await h.settle();
    h.actor.send({ type: 'TASK_PROGRESS', taskId: 't1', attempt: 1, tokens: 50 });
    h.actor.send({ type: 'TASK_PROGRESS', taskId: 't1', attempt: 1, tokens: 40 }); // late and lower: ignored
    h.actor.send({ type: 'TASK_PROGRESS', taskId: 't1', attempt: 7, tokens: 999 }); // another attempt's: ignored
    const t1 = () => h.actor.getSnapshot().context.job.tasks.find((t) => t.id === 't1');
    expect(t1()).toMatchObject({ inFlightTokens: 50, tokensUsed: 0 });
    h.succeed('t1'); // the output says 3 tokens: the attempt's own count replaces its progress
    expect(t1()).toMatchObject({ inFlightTokens: 0, tokensUsed: 50 });
  });

  it('keeps a cancelled attempt\'s tokens', async () => {
    const h = harness({ plan: [task('t1')] });
    h.actor.start();
    await h.settle();
    h.actor.send({ type: 'TASK_PROGRESS', taskId: 't1', attempt: 1, tokens: 700 });
    h.actor.send({ type: 'CANCEL', reason: 'stop' });
    const t1 = h.actor.getSnapshot().context.job.tasks.find((t) => t.id === 't1');
    expect(t1).toMatchObject({ status: 'cancelled', tokensUsed: 700, inFlightTokens: 0 });
  });

  it('counts a failed attempt once: its own count, or its progress when it reported none', async () => {
    const h = harness({ plan: [task('t1', { maxRetries: 2 })] });
    h.actor.start();
    await h.settle();
    h.actor.send({ type: 'TASK_PROGRESS', taskId: 't1', attempt: 1, tokens: 80 });
    h.fail('t1', 'no worker finished the task', undefined, 'task_timeout'); // no tokens in the error
    const t1 = () => h.actor.getSnapshot().context.job.tasks.find((t) => t.id === 't1');
    expect(t1()).toMatchObject({ tokensUsed: 80, inFlightTokens: 0 });
    h.clock.increment(60_000);
    h.actor.send({ type: 'TASK_PROGRESS', taskId: 't1', attempt: 2, tokens: 20 });
    h.fail('t1', 'rejected answer', undefined, 'model_output_invalid', 25);
    expect(t1()).toMatchObject({ tokensUsed: 105 });
  });

  it('charges the job budget with planning and running attempts', async () => {
    const h = harness({ plan: [task('t1')], budgets: { maxTokens: 100, remainingMs: null } });
    h.actor.start();
    h.actor.send({ type: 'MODEL_USAGE', tokens: 60 });
    await h.settle();
    expect(h.actor.getSnapshot().value).toBe('running');
    h.actor.send({ type: 'TASK_PROGRESS', taskId: 't1', attempt: 1, tokens: 41 });
    expect(h.actor.getSnapshot().value).toBe('failed');
    expect(h.actor.getSnapshot().context.job.error?.message).toContain('101 tokens');
  });

  it('does not charge a retry for an attempt the daemon cut short', async () => {
    // What a restarted daemon hands the Master: attempt 1 was interrupted (resetInFlight), so the task is pending again.
    const start = job({ status: 'running', tasks: [task('t1', { maxRetries: 1, attempts: 1, interruptedAttempts: 1 })] });
    const h = harness({ start });
    h.actor.start();
    await h.settle();
    expect(h.dispatchOrder).toEqual(['t1#2']);
    h.fail('t1', 'first real failure');
    // One real attempt so far, one retry allowed: it is retried, not failed "after 2 attempt(s)".
    expect(h.statuses()).toEqual({ t1: 'retrying' });
    h.clock.increment(60_000);
    expect(h.dispatchOrder).toEqual(['t1#2', 't1#3']);
    h.fail('t1', 'second real failure');
    expect(h.statuses()).toEqual({ t1: 'failed' });
    expect(h.actor.getSnapshot().context.job.error?.message).toContain('after 3 attempt(s) (1 of them cut short by a daemon restart, which cost no retry)');
  });

  it('gives a follow-up task a fresh account, not its parent\'s dollars', async () => {
    const h = harness({ plan: [task('t1')] });
    h.actor.start();
    await h.settle();
    const entry = h.running.get('t1');
    entry?.sendBack({ type: 'TASK_SUCCEEDED', taskId: 't1', attempt: 1, worker: 'w1', output: { ...output(1, ['bad']), costUsd: 0.5 } });
    const tasks = h.actor.getSnapshot().context.job.tasks;
    expect(tasks.find((t) => t.id === 't1')?.costUsd).toBe(0.5);
    expect(tasks.find((t) => t.id === 't1-fix1')?.costUsd).toBeUndefined();
  });
});
