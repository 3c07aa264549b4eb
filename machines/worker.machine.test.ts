import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import type { WorkRequest, WorkResult } from '../proto/index.js';
import { workerMachine, type WorkerNotice } from './worker.machine.js';

const request = (taskId: string, jobId = 'j1'): WorkRequest => ({
  type: 'work.request',
  jobId,
  taskId,
  attempt: 1,
  role: 'backend',
  repo: '/tmp/r',
  jobPrompt: 'p',
  description: 'd',
  prompt: 'p',
  validationRules: ['r'],
  maxTokens: 100,
  previousError: null,
  avoidWorker: null,
  snapshot: null,
});

const output: WorkResult = { summary: 'done', files: [{ path: 'x.ts', content: 'x' }], tokens: 1 };

function start(perform: (input: { request: WorkRequest }, signal: AbortSignal) => Promise<WorkResult>) {
  const actor = createActor(
    workerMachine.provide({ actors: { perform: fromPromise(({ input, signal }) => perform(input, signal)) } }),
    { input: { workerId: 'w1', role: 'backend' } },
  );
  const notices: WorkerNotice[] = [];
  actor.on('*', (n) => notices.push(n));
  actor.start();
  return { actor, notices };
}

const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(check()).toBe(true);
};

describe('worker machine', () => {
  it('performs one request and reports success, then is idle again', async () => {
    const { actor, notices } = start(async () => output);
    actor.send({ type: 'WORK', request: request('t1') });
    expect(actor.getSnapshot().value).toBe('working');
    await waitFor(() => notices.length === 1);
    expect(notices[0]).toMatchObject({ type: 'work.succeeded', worker: 'w1', result: output, request: { taskId: 't1' } });
    expect(actor.getSnapshot().value).toBe('idle');
    expect(actor.getSnapshot().context.completed).toBe(1);
  });

  it('reports a failure as a wire error', async () => {
    const { actor, notices } = start(async () => {
      throw new Error('compiler said no');
    });
    actor.send({ type: 'WORK', request: request('t1') });
    await waitFor(() => notices.length === 1);
    expect(notices[0]).toMatchObject({ type: 'work.failed', error: { code: 'task_failed', message: 'compiler said no' } });
  });

  it('aborts the work of a cancelled job and ignores cancels for other jobs', async () => {
    let seen: AbortSignal | null = null;
    const { actor, notices } = start((_input, signal) => {
      seen = signal;
      return new Promise<WorkResult>(() => {});
    });
    actor.send({ type: 'WORK', request: request('t1', 'j1') });
    actor.send({ type: 'CANCEL_JOB', jobId: 'other' });
    expect(actor.getSnapshot().value).toBe('working');
    actor.send({ type: 'CANCEL_JOB', jobId: 'j1' });
    expect(actor.getSnapshot().value).toBe('idle');
    expect((seen as AbortSignal | null)?.aborted).toBe(true);
    expect(notices).toEqual([expect.objectContaining({ type: 'work.failed', error: { code: 'cancelled', message: 'job cancelled' } })]);
  });
});
