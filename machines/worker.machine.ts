import { assign, emit, fromPromise, setup } from 'xstate';
import { toWireError, type JobId, type Role, type WireError, type WorkRequest, type WorkResult } from '../proto/index.js';

export interface WorkerInput {
  workerId: string;
  role: Role;
}

export type WorkerEvent = { type: 'WORK'; request: WorkRequest } | { type: 'CANCEL_JOB'; jobId: JobId };

/** What the pool hears from a worker: one reply per request it accepted. */
export type WorkerNotice =
  | { type: 'work.succeeded'; request: WorkRequest; worker: string; result: WorkResult }
  | { type: 'work.failed'; request: WorkRequest; worker: string; error: WireError };

export interface PerformInput {
  workerId: string;
  request: WorkRequest;
}

/**
 * A worker takes one request at a time. Stopping the `perform` actor (on
 * cancel) aborts its signal, so the model and the git step stop promptly.
 */
export const workerMachine = setup({
  types: {
    input: {} as WorkerInput,
    context: {} as { workerId: string; role: Role; current: WorkRequest | null; completed: number },
    events: {} as WorkerEvent,
    emitted: {} as WorkerNotice,
  },
  actors: {
    perform: fromPromise<WorkResult, PerformInput>(() => {
      throw new Error('worker machine: actor "perform" must be provided by the composition root');
    }),
  },
  guards: {
    isCurrentJob: ({ context, event }) => event.type === 'CANCEL_JOB' && context.current?.jobId === event.jobId,
  },
}).createMachine({
  id: 'worker',
  context: ({ input }) => ({ workerId: input.workerId, role: input.role, current: null, completed: 0 }),
  initial: 'idle',
  states: {
    idle: {
      entry: assign({ current: null }),
      on: {
        WORK: { target: 'working', actions: assign({ current: ({ event }) => event.request }) },
      },
    },
    working: {
      invoke: {
        src: 'perform',
        input: ({ context }) => ({ workerId: context.workerId, request: context.current as WorkRequest }),
        onDone: {
          target: 'idle',
          actions: [
            emit(({ context, event }) => ({
              type: 'work.succeeded' as const,
              request: context.current as WorkRequest,
              worker: context.workerId,
              result: event.output,
            })),
            assign({ completed: ({ context }) => context.completed + 1 }),
          ],
        },
        onError: {
          target: 'idle',
          actions: emit(({ context, event }) => ({
            type: 'work.failed' as const,
            request: context.current as WorkRequest,
            worker: context.workerId,
            error: toWireError(event.error, 'task_failed'),
          })),
        },
      },
      on: {
        CANCEL_JOB: {
          guard: 'isCurrentJob',
          target: 'idle',
          actions: emit(({ context }) => ({
            type: 'work.failed' as const,
            request: context.current as WorkRequest,
            worker: context.workerId,
            error: { code: 'cancelled' as const, message: 'job cancelled' },
          })),
        },
      },
    },
  },
});

export type WorkerMachine = typeof workerMachine;
