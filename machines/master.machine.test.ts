import { describe, expect, it } from 'vitest';
import { MAX_INFRASTRUCTURE_RETRIES, type AcceptJobOutput } from './master.machine.js';
import { accepted, harness, job, output, summary, task } from './master.fixture.js';

describe('master machine', () => {
  it('plans, dispatches by priority within the parallel limit, respects dependencies and completes', async () => {
    const h = harness({
      plan: [
        task('t1', { priority: 3 }),
        task('t2', { priority: 9 }),
        task('t3', { priority: 5 }),
        task('t4', { dependencies: ['t1', 't2'], priority: 10 }),
      ],
      maxParallel: 2,
    });
    h.actor.start();
    await h.settle();
    expect(h.dispatchOrder).toEqual(['t2#1', 't3#1']);
    h.succeed('t2');
    expect(h.dispatchOrder).toEqual(['t2#1', 't3#1', 't1#1']);
    h.succeed('t1');
    // t4's dependencies are done; t3 is still running, so one slot is free for t4.
    expect(h.dispatchOrder.at(-1)).toBe('t4#1');
    h.succeed('t3');
    h.succeed('t4');
    await h.settle();
    expect(h.actor.getSnapshot().status).toBe('done');
    expect(h.actor.getSnapshot().value).toBe('completed');
    expect(h.actor.getSnapshot().context.job.status).toBe('completed');
    const types = h.notices.map((n) => n.type);
    expect(types[0]).toBe('job.planning');
    expect(types[1]).toBe('job.planned');
    expect(types.at(-1)).toBe('job.completed');
    expect(types.filter((t) => t === 'task.completed')).toHaveLength(4);
    expect(h.stopped.sort()).toEqual(['t1#1', 't2#1', 't3#1', 't4#1']);
  });

  it('retries a failed task after 1 s, 2 s and 4 s, then fails it and blocks its dependents', async () => {
    const h = harness({ plan: [task('t1'), task('t2', { dependencies: ['t1'] }), task('t3', { dependencies: ['t2'] })] });
    h.actor.start();
    await h.settle();
    const messages = ['syntax error', 'type error', 'test failure'];
    for (const [i, expected] of [1000, 2000, 4000].entries()) {
      h.fail('t1', messages[i]);
      const failed = h.notices.filter((n) => n.type === 'task.failed').at(-1);
      expect(failed).toMatchObject({ type: 'task.failed', retryInMs: expected });
      expect(h.statuses().t1).toBe('retrying');
      h.clock.increment(expected - 1);
      expect(h.running.has('t1')).toBe(false);
      h.clock.increment(1);
      expect(h.running.has('t1')).toBe(true);
    }
    const retried = h.running.get('t1');
    expect(retried?.input.attempt).toBe(4);
    expect(retried?.input.task.lastError?.message).toBe('test failure');
    h.fail('t1', 'disk full');
    expect(h.statuses()).toEqual({ t1: 'failed', t2: 'blocked', t3: 'blocked' });
    const snapshot = h.actor.getSnapshot();
    expect(snapshot.value).toBe('failed');
    expect(snapshot.context.job.error).toMatchObject({ code: 'task_failed', data: { taskId: 't1' } });
    expect(h.notices.filter((n) => n.type === 'task.blocked').map((n) => ('taskId' in n ? n.taskId : ''))).toEqual(['t2', 't3']);
    expect(h.notices.at(-1)?.type).toBe('job.failed');
  });

  it('a sandbox that fails costs the task no retry, up to a bound; tokens of failed attempts are counted', async () => {
    const h = harness({ plan: [task('t1', { maxRetries: 1 })] });
    h.actor.start();
    await h.settle();
    // Two sandbox failures in a row (the same message): neither counts, neither is a loop.
    for (const delay of [1000, 2000]) {
      h.fail('t1', 'the docker sandbox failed: engine gone', undefined, 'sandbox_failed', 5);
      expect(h.statuses().t1).toBe('retrying');
      h.clock.increment(delay);
    }
    // A real failure now uses the task's one retry; the next fails it for good.
    h.fail('t1', 'test failure', undefined, 'task_failed', 7);
    expect(h.statuses().t1).toBe('retrying');
    h.clock.increment(8000);
    h.fail('t1', 'another failure');
    expect(h.statuses().t1).toBe('failed');
    const t1 = h.actor.getSnapshot().context.job.tasks[0];
    expect(t1).toMatchObject({ attempts: 4, infrastructureFailures: 2, tokensUsed: 17 });
  });

  it('a sandbox that keeps failing fails the task after MAX_INFRASTRUCTURE_RETRIES', async () => {
    const h = harness({ plan: [task('t1')] });
    h.actor.start();
    await h.settle();
    for (let i = 0; i < MAX_INFRASTRUCTURE_RETRIES; i += 1) {
      h.fail('t1', 'engine gone', undefined, 'sandbox_failed');
      h.clock.increment(60_000);
    }
    h.fail('t1', 'engine gone', undefined, 'sandbox_failed');
    expect(h.statuses().t1).toBe('failed');
    expect(h.actor.getSnapshot().context.job.tasks[0]?.lastError).toMatchObject({ code: 'sandbox_failed' });
  });

  it('ignores a late reply from an attempt that is no longer current', async () => {
    const h = harness({ plan: [task('t1')] });
    h.actor.start();
    await h.settle();
    const first = h.running.get('t1');
    h.fail('t1');
    h.clock.increment(1000);
    first?.sendBack({ type: 'TASK_SUCCEEDED', taskId: 't1', attempt: 1, worker: 'w1', output: output(1) });
    expect(h.statuses().t1).toBe('running');
    h.succeed('t1');
    expect(h.actor.getSnapshot().context.job.tasks[0]?.output?.commit).toBe(output(2).commit);
  });

  it('cancels: stops in-flight attempts and marks unfinished tasks cancelled', async () => {
    const h = harness({ plan: [task('t1'), task('t2'), task('t3', { dependencies: ['t1'] })] });
    h.actor.start();
    await h.settle();
    h.succeed('t2');
    h.actor.send({ type: 'CANCEL', reason: 'user asked' });
    const snapshot = h.actor.getSnapshot();
    expect(snapshot.value).toBe('cancelled');
    expect(h.statuses()).toEqual({ t1: 'cancelled', t2: 'completed', t3: 'cancelled' });
    expect(h.stopped).toContain('t1#1');
    expect(h.notices.at(-1)).toEqual({ type: 'job.cancelled', jobId: 'j1', reason: 'user asked' });
  });

  it('fails the job when planning fails, keeping the planner error', async () => {
    const h = harness({ plan: new Error('model exploded') });
    h.actor.start();
    await h.settle();
    expect(h.actor.getSnapshot().value).toBe('failed');
    expect(h.actor.getSnapshot().context.job.error).toEqual({ code: 'plan_invalid', message: 'model exploded' });
    expect(h.notices.map((n) => n.type)).toEqual(['job.planning', 'job.failed']);
  });

  it('resumes a running job without re-running completed tasks', async () => {
    const start = job({
      status: 'running',
      tasks: [
        task('t1', { status: 'completed', attempts: 1, output: output(1) }),
        task('t2', { dependencies: ['t1'], attempts: 1 }),
        task('t3', { dependencies: ['t2'] }),
      ],
    });
    const h = harness({ start });
    h.actor.start();
    await h.settle();
    expect(h.dispatchOrder).toEqual(['t2#2']);
    expect(h.notices.map((n) => n.type)).not.toContain('job.planning');
    h.succeed('t2');
    h.succeed('t3');
    await h.settle();
    expect(h.actor.getSnapshot().value).toBe('completed');
    expect(h.dispatchOrder).toEqual(['t2#2', 't3#1']);
  });

  it('fails a task that fails the same way twice at once instead of retrying it to the limit', async () => {
    const h = harness({ plan: [task('t1'), task('t2', { dependencies: ['t1'] })] });
    h.actor.start();
    await h.settle();
    h.fail('t1', 'file "a.ts" appears at line 3');
    h.clock.increment(1000);
    h.fail('t1', 'file "a.ts" appears at line 7');
    expect(h.statuses()).toEqual({ t1: 'failed', t2: 'blocked' });
    const last = h.notices.filter((n) => n.type === 'task.failed').at(-1);
    expect(last).toMatchObject({ retryInMs: null, error: { code: 'loop_detected' } });
    // It says what happened (no more retries, the task failed), never an escalation that does not exist.
    expect(last?.type === 'task.failed' && last.error.message).toMatch(/^t1 failed the same way twice in a row, so its remaining retries were skipped .* and it failed; .*line 7/);
    expect(JSON.stringify(h.notices)).not.toContain('escalat');
    expect(h.dispatchOrder).toEqual(['t1#1', 't1#2']);
  });

  it('fails the job once it generates more tokens than its budget, failed attempts included', async () => {
    const h = harness({ plan: [task('t1'), task('t2'), task('t3', { dependencies: ['t1', 't2'] })], budgets: { maxTokens: 5, remainingMs: null } });
    h.actor.start();
    await h.settle();
    h.fail('t1', 'bad answer', undefined, 'task_failed', 4);
    expect(h.actor.getSnapshot().value).toBe('running');
    h.succeed('t2');
    const snapshot = h.actor.getSnapshot();
    expect(snapshot.value).toBe('failed');
    expect(snapshot.context.job.error).toMatchObject({ code: 'budget_exceeded' });
    expect(snapshot.context.job.error?.message).toContain('7 tokens');
  });

  it('fails the job when its wall-time budget runs out, whatever state it is in', async () => {
    const h = harness({ plan: [task('t1')], budgets: { maxTokens: null, remainingMs: 60_000 } });
    h.actor.start();
    await h.settle();
    h.clock.increment(59_999);
    expect(h.actor.getSnapshot().value).toBe('running');
    h.clock.increment(1);
    expect(h.actor.getSnapshot().value).toBe('failed');
    expect(h.actor.getSnapshot().context.job.error?.code).toBe('budget_exceeded');
    expect(h.stopped).toContain('t1#1');
  });

  it('turns a validation failure into a fix task that carries the errors and gates the dependents', async () => {
    const h = harness({ plan: [task('t1'), task('t2', { dependencies: ['t1'] })] });
    h.actor.start();
    await h.settle();
    h.succeed('t1', ['src/a.ts:1:5 Expression expected']);
    const created = h.notices.find((n) => n.type === 'task.created');
    expect(created).toMatchObject({ type: 'task.created', taskId: 't1-fix1', reason: 'fix', fixOf: 't1' });
    expect(h.statuses()).toEqual({ t1: 'needs_fix', t2: 'pending', 't1-fix1': 'running' });
    const fix = h.running.get('t1-fix1')?.input.task;
    expect(fix?.prompt).toContain('src/a.ts:1:5 Expression expected');
    expect(fix?.dependencies).toEqual(['t1']);
    expect(h.actor.getSnapshot().context.job.tasks.find((t) => t.id === 't2')?.dependencies).toEqual(['t1', 't1-fix1']);
    h.succeed('t1-fix1');
    expect(h.running.has('t2')).toBe(true);
    h.succeed('t2');
    await h.settle();
    expect(h.actor.getSnapshot().value).toBe('completed');
  });

  it('fails the task once its fix tasks are used up, and the job with it', async () => {
    const h = harness({ plan: [task('t1'), task('t2', { dependencies: ['t1'] })] });
    h.actor.start();
    await h.settle();
    h.succeed('t1', ['bad 1']);
    h.succeed('t1-fix1', ['bad 2']);
    h.succeed('t1-fix2', ['bad 3']);
    expect(h.statuses()).toEqual({ t1: 'needs_fix', t2: 'blocked', 't1-fix1': 'needs_fix', 't1-fix2': 'failed' });
    expect(h.actor.getSnapshot().value).toBe('failed');
    expect(h.actor.getSnapshot().context.job.error).toMatchObject({ code: 'validation_failed' });
  });

  it('turns a merge conflict into a merge task that gates the dependents', async () => {
    const h = harness({ plan: [task('t1'), task('t2', { dependencies: ['t1'] })] });
    h.actor.start();
    await h.settle();
    h.succeed('t1', [], ['src/a.ts']);
    expect(h.notices.find((n) => n.type === 'task.created')).toMatchObject({ taskId: 't1-merge1', reason: 'merge', fixOf: 't1' });
    expect(h.running.get('t1-merge1')?.input.task.prompt).toContain('src/a.ts: merge conflict');
    expect(h.running.has('t2')).toBe(false);
    h.succeed('t1-merge1');
    h.succeed('t2');
    await h.settle();
    expect(h.actor.getSnapshot().value).toBe('completed');
  });
});

describe('master machine: the integration and acceptance phase', () => {
  const failing = (round: number, fixes: AcceptJobOutput['fixes']): AcceptJobOutput => ({
    summary: summary(round, {
      passed: 9,
      failed: 1,
      failures: [{ id: 'createBook.operation', operationId: 'createBook', kind: 'operation', title: 'create a book', status: 'failed', problem: 'got 200, expected 201' }],
    }),
    fixes,
  });

  it('integrates once every task is done and completes when round 1 is accepted', async () => {
    const h = harness({ plan: [task('t1'), task('t2')] });
    h.actor.start();
    await h.settle();
    h.succeed('t1');
    h.succeed('t2');
    // Every task done is not the job done: acceptance runs first.
    expect(h.actor.getSnapshot().value).toBe('integrating');
    expect(h.actor.getSnapshot().context.job.status).toBe('integrating');
    await h.settle();
    const snapshot = h.actor.getSnapshot();
    expect(snapshot.value).toBe('completed');
    expect(h.acceptInputs.map((i) => [i.jobId, i.round, i.tasks.length])).toEqual([['j1', 1, 2]]);
    expect(snapshot.context.job.acceptance).toEqual({ rounds: 1, maxRounds: 3, last: summary(1) });
    const types = h.notices.map((n) => n.type);
    expect(types.slice(-3)).toEqual(['job.integrating', 'job.accepted', 'job.completed']);
    // The commit the round starts from is the last one a task integrated.
    expect(h.notices.find((n) => n.type === 'job.integrating')).toEqual({ type: 'job.integrating', jobId: 'j1', round: 1, maxRounds: 3, commit: output(1).commit });
    expect(h.notices.find((n) => n.type === 'job.accepted')).toEqual({ type: 'job.accepted', jobId: 'j1', round: 1, passed: 10, total: 10, commit: 'c'.repeat(40) });
  });

  it('turns a failed round into one fix task per owner, with its role and the problems, then accepts round 2', async () => {
    const h = harness({
      plan: [task('t1'), task('t2', { type: 'testing', dependencies: ['t1'] })],
      accept: [
        failing(1, [
          { ownerTaskId: 't1', problems: ['createBook.operation: POST /books expected 201, got 200'] },
          { ownerTaskId: 't2', problems: ['test/books.test.js failed: expected 3 books'] },
          { ownerTaskId: 'nobody', problems: ['dropped: no such task'] },
        ]),
        accepted(2),
      ],
    });
    h.actor.start();
    await h.settle();
    h.succeed('t1');
    await h.settle();
    h.succeed('t2');
    await h.settle();
    expect(h.actor.getSnapshot().value).toBe('running');
    expect(h.actor.getSnapshot().context.job.status).toBe('running');
    const created = h.notices.filter((n) => n.type === 'task.created');
    expect(created).toEqual([
      expect.objectContaining({ taskId: 't1-accept1', reason: 'acceptance', fixOf: 't1', task: expect.objectContaining({ type: 'backend' }) }),
      expect.objectContaining({ taskId: 't2-accept1', reason: 'acceptance', fixOf: 't2', task: expect.objectContaining({ type: 'testing' }) }),
    ]);
    const fix = h.running.get('t1-accept1')?.input.task;
    expect(fix?.prompt).toContain('POST /books expected 201, got 200');
    expect(fix?.fixOf).toBe('t1');
    expect(h.running.get('t2-accept1')?.input.task.prompt).toContain('expected 3 books');
    // The failed round is kept on the record, so status shows it while the fixes run.
    expect(h.actor.getSnapshot().context.job.acceptance).toMatchObject({ rounds: 1, last: { round: 1, failed: 1 } });
    h.succeed('t1-accept1');
    h.succeed('t2-accept1');
    await h.settle();
    expect(h.actor.getSnapshot().value).toBe('completed');
    expect(h.acceptInputs.map((i) => i.round)).toEqual([1, 2]);
    expect(h.notices.filter((n) => n.type === 'job.integrating').map((n) => n.type === 'job.integrating' && n.round)).toEqual([1, 2]);
    expect(h.actor.getSnapshot().context.job.acceptance).toMatchObject({ rounds: 2, maxRounds: 3, last: { round: 2, passed: 10 } });
  });

  it('fails with acceptance_failed and the summary once the rounds are used up', async () => {
    const fixes = [{ ownerTaskId: 't1', problems: ['still 200'] }];
    const h = harness({ plan: [task('t1')], maxAcceptanceRounds: 2, accept: [failing(1, fixes), failing(2, fixes)] });
    h.actor.start();
    await h.settle();
    h.succeed('t1');
    await h.settle();
    h.succeed('t1-accept1');
    await h.settle();
    const snapshot = h.actor.getSnapshot();
    expect(snapshot.value).toBe('failed');
    // No third round and no fix task for round 2: the limit is 2.
    expect(h.acceptInputs.map((i) => i.round)).toEqual([1, 2]);
    expect(Object.keys(h.statuses())).toEqual(['t1', 't1-accept1']);
    expect(snapshot.context.job.error).toEqual({
      code: 'acceptance_failed',
      message: '1 of 10 acceptance checks failed after 2 round(s): createBook.operation: got 200, expected 201',
      data: failing(2, fixes).summary,
    });
    expect(snapshot.context.job.acceptance).toMatchObject({ rounds: 2, maxRounds: 2, last: { round: 2 } });
    expect(h.notices.at(-1)).toMatchObject({ type: 'job.failed', error: { code: 'acceptance_failed' } });
  });

  it('fails with code unverified, saying what to install, when nothing failed but checks could not run', async () => {
    const unverified = summary(1, {
      passed: 0,
      unverified: 10,
      failures: [{ id: 'app.server_starts', operationId: '-', kind: 'server_starts', title: 'starts', status: 'unverified', problem: 'no sandbox backend works here' }],
    });
    const h = harness({ plan: [task('t1')], accept: [{ summary: unverified, fixes: [] }] });
    h.actor.start();
    await h.settle();
    h.succeed('t1');
    await h.settle();
    const error = h.actor.getSnapshot().context.job.error;
    expect(h.actor.getSnapshot().value).toBe('failed');
    expect(error?.code).toBe('unverified');
    expect(error?.message).toContain('10 of 10 acceptance checks could not run (app.server_starts: no sandbox backend works here)');
    expect(error?.message).toContain('Install bubblewrap or Docker');
    expect(h.notices.map((n) => n.type)).not.toContain('task.created');
  });

  it('resumes a record left integrating in the same round, not the next', async () => {
    const start = job({
      status: 'integrating',
      tasks: [task('t1', { status: 'completed', attempts: 1, output: output(1) })],
      acceptance: { rounds: 2, maxRounds: 3, last: failing(1, []).summary },
    });
    const h = harness({ start, accept: [accepted(2)] });
    h.actor.start();
    await h.settle();
    expect(h.dispatchOrder).toEqual([]);
    expect(h.acceptInputs.map((i) => i.round)).toEqual([2]);
    expect(h.notices[0]).toMatchObject({ type: 'job.integrating', round: 2, maxRounds: 3 });
    expect(h.actor.getSnapshot().value).toBe('completed');
    expect(h.actor.getSnapshot().context.job.acceptance).toMatchObject({ rounds: 2, last: { round: 2 } });
  });

  it('cancels a running round: the acceptance run is aborted and the job is cancelled', async () => {
    const h = harness({ plan: [task('t1')], accept: [] });
    h.actor.start();
    await h.settle();
    h.succeed('t1');
    await h.settle();
    expect(h.actor.getSnapshot().value).toBe('integrating');
    h.actor.send({ type: 'CANCEL', reason: 'user asked' });
    await h.settle();
    expect(h.actor.getSnapshot().value).toBe('cancelled');
    expect(h.acceptAborted).toEqual([1]);
    expect(h.actor.getSnapshot().context.job).toMatchObject({ status: 'cancelled', error: { code: 'cancelled', message: 'user asked' } });
  });

  it('fails a round that outlives the job wall-time budget', async () => {
    const h = harness({ plan: [task('t1')], accept: [], budgets: { maxTokens: null, remainingMs: 60_000 } });
    h.actor.start();
    await h.settle();
    h.succeed('t1');
    await h.settle();
    h.clock.increment(59_999);
    expect(h.actor.getSnapshot().value).toBe('integrating');
    h.clock.increment(1);
    await h.settle();
    expect(h.actor.getSnapshot().value).toBe('failed');
    expect(h.actor.getSnapshot().context.job.error?.code).toBe('budget_exceeded');
    expect(h.acceptAborted).toEqual([1]);
  });

  it('fails the job with the error when the acceptance run itself throws', async () => {
    const h = harness({ plan: [task('t1')], accept: [new Error('the repository has no main branch')] });
    h.actor.start();
    await h.settle();
    h.succeed('t1');
    await h.settle();
    expect(h.actor.getSnapshot().value).toBe('failed');
    expect(h.actor.getSnapshot().context.job.error).toMatchObject({ code: 'internal', message: 'the repository has no main branch' });
  });
});

describe('master machine: a task report verdict', () => {
  it('fails a task whose rules could not run (verdict unverified) for good, with code unverified', async () => {
    const h = harness({ plan: [task('t1'), task('t2', { dependencies: ['t1'] })] });
    h.actor.start();
    await h.settle();
    h.succeed('t1', [], [], {
      passed: true,
      issues: [],
      verdict: 'unverified',
      rules: [
        { rule: { kind: 'file_exists', path: 'package.json' }, status: 'passed', detail: 'found', durationMs: 1 },
        { rule: { kind: 'server_starts' }, status: 'unverified', detail: 'no sandbox backend works here', durationMs: 0 },
      ],
    });
    const t1 = h.actor.getSnapshot().context.job.tasks.find((t) => t.id === 't1');
    expect(h.statuses()).toEqual({ t1: 'failed', t2: 'blocked' });
    expect(t1?.lastError?.code).toBe('unverified');
    expect(t1?.lastError?.message).toContain('the app installs, builds and starts with npm start, listening on PORT (no sandbox backend works here)');
    expect(t1?.lastError?.message).toContain('Install bubblewrap or Docker');
    expect(h.actor.getSnapshot().value).toBe('failed');
    expect(h.actor.getSnapshot().context.job.error?.code).toBe('unverified');
    expect(h.notices.map((n) => n.type)).not.toContain('task.created');
  });

  it('treats verdict failed as a validation failure even when the stages passed: a fix task names the failed rule', async () => {
    const h = harness({ plan: [task('t1')] });
    h.actor.start();
    await h.settle();
    h.succeed('t1', [], [], {
      passed: true,
      issues: [],
      verdict: 'failed',
      rules: [{ rule: { kind: 'json_valid', path: 'package.json' }, status: 'failed', detail: 'Unexpected token } at 12', durationMs: 1 }],
    });
    expect(h.notices.find((n) => n.type === 'task.created')).toMatchObject({ taskId: 't1-fix1', reason: 'fix' });
    expect(h.running.get('t1-fix1')?.input.task.prompt).toContain('package.json is valid JSON: Unexpected token } at 12');
  });

  it('lists a failed rule once in the fix task when the report already carries it with its log', async () => {
    const h = harness({ plan: [task('t1')] });
    h.actor.start();
    await h.settle();
    const line = 'rule failed: tests matching test/*.test.js exist and pass: 1 passed, 1 failed';
    h.succeed('t1', [], [], {
      passed: false,
      issues: [`${line}\n    test/a.test.js:3 adds\n    -1 !== 5`],
      verdict: 'failed',
      rules: [{ rule: { kind: 'tests_pass', glob: 'test/*.test.js' }, status: 'failed', detail: '1 passed, 1 failed', durationMs: 1, logExcerpt: 'test/a.test.js:3 adds\n-1 !== 5' }],
    });
    const prompt = h.running.get('t1-fix1')?.input.task.prompt ?? '';
    expect(prompt).toContain('-1 !== 5');
    expect(prompt.split(line)).toHaveLength(2);
  });
});
