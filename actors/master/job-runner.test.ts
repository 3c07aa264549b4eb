import { describe, expect, it } from 'vitest';
import { fromCallback, fromPromise, type EventObject } from 'xstate';
import type { Task } from '../../proto/index.js';
import { JOB_RECORD_VERSION, type JobEvent, type JobRecord } from '../../proto/index.js';
import { MASTER_SYSTEM_ID, masterMachine, type PlanJobInput, type AcceptJobInput, type AcceptJobOutput, type RunTaskInput } from '../../machines/master.machine.js';
import { makeTask } from '../../machines/task.fixture.js';
import { silentLogger } from '../log/logger.js';
import { runJob } from './job-runner.js';
import type { JobStore } from './job-store.js';

/** Every integration round passes: these tests are about saving and publishing, not acceptance. */
const accepting = fromPromise<AcceptJobOutput, AcceptJobInput>(async ({ input }) => ({
  summary: { round: input.round, passed: 1, failed: 0, unverified: 0, total: 1, projectTests: null, failures: [], commit: 'a'.repeat(40), durationMs: 1 },
  fixes: [],
}));

describe('runJob', () => {
  it('saves before it publishes, coalescing the saves of transitions that pile up during a slow write', async () => {
    const log: string[] = [];
    const saved: JobRecord[] = [];
    const store: JobStore = {
      save: async (job) => {
        await new Promise((r) => setTimeout(r, 15));
        saved.push(job);
        log.push(`save:${job.tasks.filter((t) => t.status === 'completed').length}`);
      },
      get: async () => null,
      list: async () => saved,
    };
    const machine = masterMachine.provide({
      actors: {
        planJob: fromPromise(async () => Array.from({ length: 6 }, (_, i) => makeTask(`t${i + 1}`))),
        runTask: fromCallback<EventObject, RunTaskInput>(({ input, sendBack }) => {
          const output = { commit: 'a'.repeat(40), files: ['x'], summary: 's', tokens: 1, validation: { passed: true, issues: [] }, conflicts: [] };
          setTimeout(() => sendBack({ type: 'TASK_SUCCEEDED', taskId: input.task.id, attempt: input.attempt, worker: 'w', output }), 1);
        }),
        acceptJob: accepting,
      },
    });
    const published: JobEvent[] = [];
    const at = '2026-01-01T00:00:00.000Z';
    const job: JobRecord = {
      schemaVersion: JOB_RECORD_VERSION, id: 'j1', prompt: 'p', spec: null, blueprint: null, status: 'planning', repo: '/r',
      createdAt: at, updatedAt: at, tasks: [], error: null, acceptance: null,
    };
    const running = runJob(
      {
        machine, store, maxParallel: 6, now: () => new Date(at), log: silentLogger,
        publish: async (event) => {
          published.push(event);
          log.push(`pub:${event.type}${'taskId' in event ? `:${event.taskId}` : ''}`);
        },
      },
      job,
    );
    const final = await running.done;
    expect(final.status).toBe('completed');
    expect(saved.at(-1)?.status).toBe('completed');
    // Every task.completed is published only after a save that already holds that many completed tasks.
    let completedPublished = 0;
    let completedSaved = 0;
    for (const entry of log) {
      if (entry.startsWith('save:')) completedSaved = Number(entry.slice(5));
      if (entry.startsWith('pub:task.completed')) expect(++completedPublished).toBeLessThanOrEqual(completedSaved);
    }
    expect(completedPublished).toBe(6);
    // Far fewer saves than transitions: the slow store made later transitions wait and merge.
    expect(saved.length).toBeLessThan(published.length);
    expect(published.map((e) => e.type).at(-1)).toBe('job.completed');
  });

  const at = '2026-01-01T00:00:00.000Z';
  const newJob = (): JobRecord => ({
    schemaVersion: JOB_RECORD_VERSION, id: 'j1', prompt: 'p', spec: null, blueprint: null, status: 'planning', repo: '/r',
    createdAt: at, updatedAt: at, tasks: [], error: null, acceptance: null,
  });
  const succeeding = fromCallback<EventObject, RunTaskInput>(({ input, sendBack }) => {
    const output = { commit: 'a'.repeat(40), files: ['x'], summary: 's', tokens: 1, validation: { passed: true, issues: [] }, conflicts: [] };
    setTimeout(() => sendBack({ type: 'TASK_SUCCEEDED', taskId: input.task.id, attempt: input.attempt, worker: 'w', output }), 1);
  });
  const memoryStore = (saved: JobRecord[], failFirst = 0): JobStore => {
    let failures = failFirst;
    return {
      save: async (job) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('EIO: disk went away');
        }
        saved.push(job);
      },
      get: async () => null,
      list: async () => saved,
    };
  };

  it('a Master action that throws ends the job failed with internal, saved and published, and done resolves', async () => {
    const machine = masterMachine.provide({
      actors: { planJob: fromPromise(async () => [makeTask('t1')]), runTask: succeeding, acceptJob: accepting },
      // A bug in the Master's own logic, as a guard that throws while the job runs.
      guards: { allCompleted: () => { throw new Error('guard exploded'); } },
    });
    const saved: JobRecord[] = [];
    const published: JobEvent[] = [];
    const running = runJob({ machine, store: memoryStore(saved), maxParallel: 2, now: () => new Date(at), log: silentLogger, publish: async (e) => void published.push(e) }, newJob());
    const final = await running.done;
    expect(final).toMatchObject({ status: 'failed', error: { code: 'internal', message: expect.stringContaining('guard exploded') } });
    expect(saved.at(-1)).toEqual(final);
    expect(published.at(-1)).toMatchObject({ type: 'job.failed', error: { code: 'internal' } });
    // Cancelling a job whose Master is gone answers at once with the failed record.
    running.cancel('too late');
    await expect(running.done).resolves.toEqual(final);
  });

  it('a save that fails once loses no event: they arrive after a save that holds them, in order', async () => {
    const machine = masterMachine.provide({ actors: { planJob: fromPromise(async () => [makeTask('t1'), makeTask('t2')]), runTask: succeeding, acceptJob: accepting } });
    const saved: JobRecord[] = [];
    const published: JobEvent[] = [];
    const reference: JobEvent[] = [];
    const run = (store: JobStore, sink: JobEvent[]) =>
      runJob({ machine, store, maxParallel: 1, now: () => new Date(at), log: silentLogger, publish: async (e) => void sink.push(e), writerRetry: { retryDelayMs: 1 } }, newJob()).done;
    await run(memoryStore([]), reference);
    const final = await run(memoryStore(saved, 1), published);
    expect(final.status).toBe('completed');
    expect(published.map((e) => `${e.type}:${'taskId' in e ? e.taskId : ''}`)).toEqual(reference.map((e) => `${e.type}:${'taskId' in e ? e.taskId : ''}`));
    expect(published.length).toBeGreaterThan(4);
    expect(saved.at(-1)?.status).toBe('completed');
  });

  it('a publish that fails is retried in order, after the record is saved', async () => {
    const machine = masterMachine.provide({ actors: { planJob: fromPromise(async () => [makeTask('t1')]), runTask: succeeding, acceptJob: accepting } });
    const published: JobEvent[] = [];
    let fail = 2;
    const final = await runJob({
      machine, store: memoryStore([]), maxParallel: 1, now: () => new Date(at), log: silentLogger, writerRetry: { retryDelayMs: 1 },
      publish: async (e) => {
        if (e.type === 'task.completed' && fail-- > 0) throw new Error('CONNECTION_CLOSED');
        published.push(e);
      },
    }, newJob()).done;
    expect(final.status).toBe('completed');
    const types = published.map((e) => e.type);
    expect(types.filter((t) => t === 'task.completed')).toHaveLength(1);
    expect(types.indexOf('task.completed')).toBeLessThan(types.indexOf('job.completed'));
  });

  it('resumes a record saved integrating in the same round, and saves the acceptance state it ends with', async () => {
    const rounds: number[] = [];
    const machine = masterMachine.provide({
      actors: {
        planJob: fromPromise(async () => [makeTask('unused')]),
        runTask: succeeding,
        acceptJob: fromPromise<AcceptJobOutput, AcceptJobInput>(async ({ input }) => {
          rounds.push(input.round);
          return {
            summary: { round: input.round, passed: 3, failed: 1, unverified: 0, total: 4, projectTests: null, failures: [], commit: 'a'.repeat(40), durationMs: 1 },
            fixes: [{ ownerTaskId: 't1', problems: ['createTodo: expected 201, got 500'] }],
          };
        }),
      },
    });
    const saved: JobRecord[] = [];
    const published: JobEvent[] = [];
    const job: JobRecord = {
      ...newJob(), status: 'integrating', tasks: [makeTask('t1', { status: 'completed', attempts: 1 })], acceptance: { rounds: 2, maxRounds: 2, last: null },
    };
    // Configured for 2 rounds: round 2, resumed, is the last, so its failures end the job instead of spawning fixes.
    const final = await runJob({ machine, store: memoryStore(saved), maxParallel: 1, maxAcceptanceRounds: 2, now: () => new Date(at), log: silentLogger, publish: async (e) => void published.push(e) }, job).done;
    expect(rounds).toEqual([2]);
    expect(final).toMatchObject({ status: 'failed', error: { code: 'acceptance_failed' }, acceptance: { rounds: 2, maxRounds: 2, last: { round: 2, failed: 1 } } });
    expect(saved.at(-1)).toEqual(final);
    expect(published.map((e) => e.type)).toEqual(['job.integrating', 'job.failed']);
  });
  it('finalizes a completed job from its final record, once job.completed is out, and never a failed one', async () => {
    const machine = masterMachine.provide({ actors: { planJob: fromPromise(async () => [makeTask('t1')]), runTask: succeeding, acceptJob: accepting } });
    const order: string[] = [];
    const finalized: JobRecord[] = [];
    const saved: JobRecord[] = [];
    const running = runJob({
      machine, store: memoryStore(saved), maxParallel: 1, now: () => new Date(at), log: silentLogger,
      publish: async (e) => void order.push(e.type),
      finalize: async (job) => {
        order.push('finalize');
        finalized.push(job);
        throw new Error('the build failed');
      },
    }, newJob());
    const final = await running.done;
    // A finalizer that throws leaves the job completed, and `finalized` still settles.
    await running.finalized;
    expect(final.status).toBe('completed');
    expect(finalized).toEqual([final]);
    expect(saved.at(-1)).toEqual(final);
    expect(order.slice(-2)).toEqual(['job.completed', 'finalize']);

    const failing = masterMachine.provide({ actors: { planJob: fromPromise<Task[], PlanJobInput>(async () => { throw new Error('no plan'); }), runTask: succeeding, acceptJob: accepting } });
    const notFinalized: JobRecord[] = [];
    const failed = runJob({ machine: failing, store: memoryStore([]), maxParallel: 1, now: () => new Date(at), log: silentLogger, publish: async () => {}, finalize: async (job) => void notFinalized.push(job) }, newJob());
    expect((await failed.done).status).toBe('failed');
    await failed.finalized;
    expect(notFinalized).toEqual([]);
  });

  it('runs the Master under its system id, so planning reports its usage to it as it is spent', async () => {
    const machine = masterMachine.provide({
      actors: {
        planJob: fromPromise<Task[], PlanJobInput>(async ({ system }) => {
          system.get(MASTER_SYSTEM_ID)?.send({ type: 'MODEL_USAGE', tokens: 70 });
          return [makeTask('t1')];
        }),
        runTask: succeeding,
        acceptJob: accepting,
      },
    });
    const final = await runJob({ machine, store: memoryStore([]), maxParallel: 1, now: () => new Date(at), log: silentLogger, publish: async () => {} }, newJob()).done;
    expect(final.planningUsage).toEqual({ tokens: 70 });
  });
  it('says from memory whether a task is live: its Master runs and the job has it', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const machine = masterMachine.provide({
      actors: {
        planJob: fromPromise(async () => [makeTask('t1')]),
        runTask: fromCallback<EventObject, RunTaskInput>(({ input, sendBack }) => {
          const output = { commit: 'a'.repeat(40), files: ['x'], summary: 's', tokens: 1, validation: { passed: true, issues: [] }, conflicts: [] };
          void held.then(() => sendBack({ type: 'TASK_SUCCEEDED', taskId: input.task.id, attempt: input.attempt, worker: 'w', output }));
        }),
        acceptJob: accepting,
      },
    });
    const running = runJob({ machine, store: memoryStore([]), maxParallel: 1, now: () => new Date(at), log: silentLogger, publish: async () => {} }, newJob());
    await new Promise((r) => setTimeout(r, 10));
    expect(running.hasLiveTask('t1')).toBe(true);
    expect(running.hasLiveTask('t9')).toBe(false);
    release();
    expect((await running.done).status).toBe('completed');
    expect(running.hasLiveTask('t1')).toBe(false);
  });
});
