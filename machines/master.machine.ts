import { assign, enqueueActions, fromCallback, fromPromise, setup, type EventObject } from 'xstate';
import { toWireError, type Blueprint, type JobEvent, type JobRecord, type Task, type TaskId, type TaskOutput, type WireError } from '../proto/index.js';
import { countRunning, jobOutcome, pickReadyTasks, retryDelayMs, transitiveDependents } from './scheduler.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A job event before the runner stamps its time: the machine has no clock of its own. */
export type MasterNotice = DistributiveOmit<JobEvent, 'at'>;

export interface MasterInput {
  job: JobRecord;
  maxParallel: number;
  retryBaseMs?: number;
}

export interface MasterContext {
  job: JobRecord;
  maxParallel: number;
  retryBaseMs: number;
}

export interface PlanJobInput {
  jobId: string;
  prompt: string;
  spec: string | null;
  blueprint: Blueprint | null;
  repo: string;
}

export interface RunTaskInput {
  jobId: string;
  jobPrompt: string;
  repo: string;
  task: Task;
  attempt: number;
}

export type TaskSucceededEvent = {
  type: 'TASK_SUCCEEDED';
  taskId: TaskId;
  attempt: number;
  worker: string;
  output: TaskOutput;
};
export type TaskFailedEvent = {
  type: 'TASK_FAILED';
  taskId: TaskId;
  attempt: number;
  worker: string | null;
  error: WireError;
};
export type MasterEvent =
  | TaskSucceededEvent
  | TaskFailedEvent
  | { type: 'RETRY_DUE'; taskId: TaskId }
  | { type: 'CANCEL'; reason: string };

const notProvided = (name: string) => () => {
  throw new Error(`master machine: actor "${name}" must be provided by the composition root`);
};

const childId = (taskId: TaskId, attempt: number) => `task:${taskId}:${attempt}`;

function patchTask(job: JobRecord, id: TaskId, patch: Partial<Task>): JobRecord {
  return { ...job, tasks: job.tasks.map((t) => (t.id === id ? { ...t, ...patch } : t)) };
}

function findTask(job: JobRecord, id: TaskId): Task | undefined {
  return job.tasks.find((t) => t.id === id);
}

/**
 * One Master per job. Its context is the job record, which the runner
 * persists after every transition, so a restarted daemon resumes from it.
 */
export const masterMachine = setup({
  types: {
    input: {} as MasterInput,
    context: {} as MasterContext,
    events: {} as MasterEvent,
    emitted: {} as MasterNotice,
    output: {} as { job: JobRecord },
  },
  actors: {
    planJob: fromPromise<Task[], PlanJobInput>(notProvided('planJob')),
    runTask: fromCallback<EventObject, RunTaskInput>(notProvided('runTask')),
  },
  guards: {
    wasPlanning: ({ context }) => context.job.status === 'planning',
    wasRunning: ({ context }) => context.job.status === 'running',
    allCompleted: ({ context }) => jobOutcome(context.job.tasks) === 'completed',
    settledWithFailures: ({ context }) => jobOutcome(context.job.tasks) === 'failed',
    isCurrentAttempt: ({ context, event }) => {
      if (event.type !== 'TASK_SUCCEEDED' && event.type !== 'TASK_FAILED') return false;
      const task = findTask(context.job, event.taskId);
      return task?.status === 'running' && task.attempts === event.attempt;
    },
  },
  actions: {
    dispatchReady: enqueueActions(({ context, enqueue }) => {
      const slots = context.maxParallel - countRunning(context.job.tasks);
      let job = context.job;
      for (const task of pickReadyTasks(job.tasks, slots)) {
        const attempt = task.attempts + 1;
        job = patchTask(job, task.id, { status: 'running', attempts: attempt });
        enqueue.spawnChild('runTask', {
          id: childId(task.id, attempt),
          input: { jobId: job.id, jobPrompt: job.prompt, repo: job.repo, task: { ...task, attempts: attempt }, attempt },
        });
        enqueue.emit({ type: 'task.dispatched', jobId: job.id, taskId: task.id, role: task.type, attempt });
      }
      if (job !== context.job) enqueue.assign({ job });
    }),
    recordSuccess: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'TASK_SUCCEEDED') return;
      enqueue.stopChild(childId(event.taskId, event.attempt));
      enqueue.assign({
        job: patchTask(context.job, event.taskId, {
          status: 'completed',
          output: event.output,
          assignedWorker: event.worker,
          lastError: null,
        }),
      });
      enqueue.emit({ type: 'task.completed', jobId: context.job.id, taskId: event.taskId, output: event.output });
    }),
    recordFailure: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'TASK_FAILED') return;
      enqueue.stopChild(childId(event.taskId, event.attempt));
      const task = findTask(context.job, event.taskId);
      if (!task) return;
      const jobId = context.job.id;
      const canRetry = event.error.code !== 'cancelled' && task.attempts <= task.maxRetries;
      if (canRetry) {
        const delay = retryDelayMs(task.attempts, context.retryBaseMs);
        enqueue.assign({
          job: patchTask(context.job, task.id, { status: 'retrying', assignedWorker: event.worker, lastError: event.error }),
        });
        enqueue.emit({ type: 'task.failed', jobId, taskId: task.id, attempt: event.attempt, error: event.error, retryInMs: delay });
        enqueue.raise({ type: 'RETRY_DUE', taskId: task.id }, { delay, id: `retry:${task.id}` });
        return;
      }
      let job = patchTask(context.job, task.id, { status: 'failed', assignedWorker: event.worker, lastError: event.error });
      enqueue.emit({ type: 'task.failed', jobId, taskId: task.id, attempt: event.attempt, error: event.error, retryInMs: null });
      for (const dependent of transitiveDependents(job.tasks, task.id)) {
        if (dependent.status !== 'pending') continue;
        job = patchTask(job, dependent.id, {
          status: 'blocked',
          lastError: { code: 'dependency_failed', message: `depends on ${task.id}, which failed` },
        });
        enqueue.emit({ type: 'task.blocked', jobId, taskId: dependent.id, blockedBy: task.id });
      }
      job = {
        ...job,
        error: job.error ?? {
          code: 'task_failed',
          message: `task ${task.id} (${task.type}) failed after ${task.attempts} attempt(s): ${event.error.message}`,
          data: { taskId: task.id },
        },
      };
      enqueue.assign({ job });
    }),
    releaseRetry: assign(({ context, event }) => {
      if (event.type !== 'RETRY_DUE') return {};
      const task = findTask(context.job, event.taskId);
      return task?.status === 'retrying' ? { job: patchTask(context.job, task.id, { status: 'pending' }) } : {};
    }),
  },
}).createMachine({
  id: 'master',
  context: ({ input }) => ({
    job: input.job,
    maxParallel: Math.max(1, input.maxParallel),
    retryBaseMs: input.retryBaseMs ?? 1000,
  }),
  initial: 'resuming',
  states: {
    resuming: {
      always: [
        { guard: 'wasPlanning', target: 'planning' },
        { guard: 'wasRunning', target: 'running' },
        { target: 'failed' },
      ],
    },
    planning: {
      entry: enqueueActions(({ context, enqueue }) => {
        enqueue.emit({ type: 'job.planning', jobId: context.job.id });
      }),
      invoke: {
        src: 'planJob',
        input: ({ context }) => ({
          jobId: context.job.id,
          prompt: context.job.prompt,
          spec: context.job.spec,
          blueprint: context.job.blueprint,
          repo: context.job.repo,
        }),
        onDone: {
          target: 'running',
          actions: enqueueActions(({ context, event, enqueue }) => {
            const tasks = event.output;
            enqueue.assign({ job: { ...context.job, status: 'running', tasks } });
            enqueue.emit({
              type: 'job.planned',
              jobId: context.job.id,
              tasks: tasks.map(({ id, type, description, dependencies, priority }) => ({
                id,
                type,
                description,
                dependencies,
                priority,
              })),
            });
          }),
        },
        onError: {
          target: 'failed',
          actions: assign(({ context, event }) => ({
            job: { ...context.job, error: toWireError(event.error, 'plan_invalid') },
          })),
        },
      },
      on: { CANCEL: 'cancelled' },
    },
    running: {
      entry: 'dispatchReady',
      always: [
        { guard: 'allCompleted', target: 'completed' },
        { guard: 'settledWithFailures', target: 'failed' },
      ],
      on: {
        TASK_SUCCEEDED: { guard: 'isCurrentAttempt', actions: ['recordSuccess', 'dispatchReady'] },
        TASK_FAILED: { guard: 'isCurrentAttempt', actions: ['recordFailure', 'dispatchReady'] },
        RETRY_DUE: { actions: ['releaseRetry', 'dispatchReady'] },
        CANCEL: 'cancelled',
      },
    },
    completed: {
      type: 'final',
      entry: enqueueActions(({ context, enqueue }) => {
        enqueue.assign({ job: { ...context.job, status: 'completed' } });
        enqueue.emit({ type: 'job.completed', jobId: context.job.id });
      }),
    },
    failed: {
      type: 'final',
      entry: enqueueActions(({ context, enqueue }) => {
        const error = context.job.error ?? { code: 'internal', message: 'job failed' };
        enqueue.assign({ job: { ...context.job, status: 'failed', error } });
        enqueue.emit({ type: 'job.failed', jobId: context.job.id, error });
      }),
    },
    cancelled: {
      type: 'final',
      entry: enqueueActions(({ context, event, enqueue }) => {
        const reason = event.type === 'CANCEL' ? event.reason : 'cancelled';
        const tasks = context.job.tasks.map((t) => {
          if (t.status !== 'running' && t.status !== 'pending' && t.status !== 'retrying') return t;
          enqueue.emit({ type: 'task.cancelled', jobId: context.job.id, taskId: t.id });
          return { ...t, status: 'cancelled' as const };
        });
        enqueue.assign({
          job: { ...context.job, status: 'cancelled', tasks, error: { code: 'cancelled', message: reason } },
        });
        enqueue.emit({ type: 'job.cancelled', jobId: context.job.id, reason });
      }),
    },
  },
  output: ({ context }) => ({ job: context.job }),
});

export type MasterMachine = typeof masterMachine;

