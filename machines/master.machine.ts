import { assign, enqueueActions, fromCallback, fromPromise, setup, type EventObject } from 'xstate';
import { toWireError, type Blueprint, type JobEvent, type JobRecord, type Task, type TaskId, type TaskOutput, type WireError } from '../proto/index.js';
import { countRunning, jobOutcome, retryDelayMs, transitiveDependents } from './scheduler.js';
import { TaskQueue } from './task-queue.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A job event before the runner stamps its time: the machine has no clock of its own. */
export type MasterNotice = DistributiveOmit<JobEvent, 'at'>;

export interface JobBudgets {
  /** Tokens the whole job may generate, over every attempt of every task. */
  maxTokens: number | null;
  /** Wall time left for the job, measured by the runner from its creation. */
  remainingMs: number | null;
}

export interface MasterInput {
  job: JobRecord;
  maxParallel: number;
  retryBaseMs?: number;
  budgets?: JobBudgets;
  /** Fix tasks one task may spawn before its validation failure fails the job. */
  maxFixTasks?: number;
}

export interface MasterContext {
  job: JobRecord;
  maxParallel: number;
  retryBaseMs: number;
  budgets: JobBudgets;
  maxFixTasks: number;
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
  | { type: 'DEADLINE' }
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

/** Numbers and paths vary between identical failures; the rest of the message identifies it. */
export function failureSignature(error: WireError): string {
  return `${error.code}:${error.message.replace(/\d+/g, '#').replace(/\s+/g, ' ').slice(0, 200)}`;
}

function tokensOf(error: WireError): number {
  const tokens = error.data?.tokens;
  return typeof tokens === 'number' && Number.isInteger(tokens) && tokens > 0 ? tokens : 0;
}

const jobTokens = (job: JobRecord) => job.tasks.reduce((sum, t) => sum + t.tokensUsed, 0);

/** Marks a task failed for good, blocks everything downstream, and records the job's first error. */
function failForGood(
  start: JobRecord,
  task: Task,
  error: WireError,
  emit: (notice: MasterNotice) => void,
  attempt: number,
): JobRecord {
  let job = patchTask(start, task.id, { status: 'failed', lastError: error });
  emit({ type: 'task.failed', jobId: job.id, taskId: task.id, attempt, error, retryInMs: null });
  for (const dependent of transitiveDependents(job.tasks, task.id)) {
    if (dependent.status !== 'pending') continue;
    job = patchTask(job, dependent.id, {
      status: 'blocked',
      lastError: { code: 'dependency_failed', message: `depends on ${task.id}, which failed` },
    });
    emit({ type: 'task.blocked', jobId: job.id, taskId: dependent.id, blockedBy: task.id });
  }
  return {
    ...job,
    error: job.error ?? {
      code: error.code === 'validation_failed' || error.code === 'loop_detected' ? error.code : 'task_failed',
      message: `task ${task.id} (${task.type}) failed after ${task.attempts} attempt(s): ${error.message}`,
      data: { taskId: task.id },
    },
  };
}

/**
 * A task that repairs another's work, carrying the problems in its prompt: a
 * fix task for validation failures, a merge task for files committed with
 * conflict markers.
 */
function followUpTask(task: Task, root: TaskId, n: number, kind: 'fix' | 'merge', problems: readonly string[]): Task {
  const description =
    kind === 'merge'
      ? `Resolve the merge conflicts left by ${task.id}: ${task.description}`
      : `Fix the validation failures of ${task.id}: ${task.description}`;
  const instructions =
    kind === 'merge'
      ? 'Some files hold both versions between <<<<<<< HEAD, ======= and >>>>>>> markers. Rewrite each such file so it keeps the intent of both versions and has no markers left.'
      : `The files written for "${task.description}" fail validation. Rewrite the affected files so that these problems are gone, changing nothing else.`;
  return {
    ...task,
    id: `${root}-${kind}${n}`,
    description: description.slice(0, 240),
    dependencies: [task.id],
    priority: Math.min(10, task.priority + 1),
    attempts: 0,
    status: 'pending',
    assignedWorker: null,
    prompt: `${instructions}\n${problems.map((p) => `- ${p}`).join('\n')}`,
    output: null,
    lastError: null,
    failureSignatures: [],
    fixOf: root,
    tokensUsed: 0,
  };
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
    overTokenBudget: ({ context }) =>
      context.budgets.maxTokens !== null && jobTokens(context.job) > context.budgets.maxTokens,
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
      for (const task of new TaskQueue(job.tasks).getReadyTasks(slots)) {
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
      const task = findTask(context.job, event.taskId);
      if (!task) return;
      const jobId = context.job.id;
      const tracked = { output: event.output, assignedWorker: event.worker, tokensUsed: task.tokensUsed + event.output.tokens };
      const { validation, conflicts } = event.output;
      if (validation.passed && conflicts.length === 0) {
        enqueue.assign({ job: patchTask(context.job, task.id, { ...tracked, status: 'completed', lastError: null }) });
        enqueue.emit({ type: 'task.completed', jobId, taskId: task.id, output: event.output });
        return;
      }
      const root = task.fixOf ?? task.id;
      const followUps = context.job.tasks.filter((t) => t.fixOf === root).length;
      const problems = [...conflicts.map((p) => `${p}: merge conflict with another task's change`), ...validation.issues];
      const error: WireError = {
        code: 'validation_failed',
        message: `${task.id} failed validation: ${problems.slice(0, 5).join('; ')}`,
        data: { taskId: task.id, issues: problems },
      };
      if (followUps >= context.maxFixTasks) {
        const job = failForGood(patchTask(context.job, task.id, tracked), task, error, enqueue.emit, event.attempt);
        enqueue.assign({ job });
        return;
      }
      // The work is committed; a follow-up task repairs it, and whatever depended on it waits for that.
      const kind = conflicts.length > 0 ? 'merge' : 'fix';
      const fix = followUpTask(task, root, followUps + 1, kind, problems);
      const tasks = patchTask(context.job, task.id, { ...tracked, status: 'completed', lastError: error }).tasks.map((t) =>
        t.dependencies.includes(task.id) && t.status === 'pending' ? { ...t, dependencies: [...t.dependencies, fix.id] } : t,
      );
      enqueue.assign({ job: { ...context.job, tasks: [...tasks, fix] } });
      enqueue.emit({ type: 'task.completed', jobId, taskId: task.id, output: event.output });
      enqueue.emit({
        type: 'task.created',
        jobId,
        taskId: fix.id,
        reason: kind,
        fixOf: task.id,
        task: { id: fix.id, type: fix.type, description: fix.description, dependencies: fix.dependencies, priority: fix.priority },
      });
    }),
    recordFailure: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'TASK_FAILED') return;
      enqueue.stopChild(childId(event.taskId, event.attempt));
      const task = findTask(context.job, event.taskId);
      if (!task) return;
      const jobId = context.job.id;
      const signature = failureSignature(event.error);
      const looping = task.failureSignatures.at(-1) === signature;
      const tracked = {
        assignedWorker: event.worker,
        failureSignatures: [...task.failureSignatures, signature],
        tokensUsed: task.tokensUsed + tokensOf(event.error),
      };
      const canRetry = event.error.code !== 'cancelled' && !looping && task.attempts <= task.maxRetries;
      if (canRetry) {
        const delay = retryDelayMs(task.attempts, context.retryBaseMs);
        enqueue.assign({
          job: patchTask(context.job, task.id, { ...tracked, status: 'retrying', lastError: event.error }),
        });
        enqueue.emit({ type: 'task.failed', jobId, taskId: task.id, attempt: event.attempt, error: event.error, retryInMs: delay });
        enqueue.raise({ type: 'RETRY_DUE', taskId: task.id }, { delay, id: `retry:${task.id}` });
        return;
      }
      // The same failure twice in a row: retrying would only burn budget, so escalate now.
      const error: WireError = looping
        ? {
            code: 'loop_detected',
            message: `${task.id} failed the same way twice in a row; escalated instead of retrying: ${event.error.message}`,
            data: { taskId: task.id, signature },
          }
        : event.error;
      const job = failForGood(patchTask(context.job, task.id, tracked), task, error, enqueue.emit, event.attempt);
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
    maxFixTasks: input.maxFixTasks ?? 2,
    budgets: input.budgets ?? { maxTokens: null, remainingMs: null },
  }),
  entry: enqueueActions(({ context, enqueue }) => {
    const remaining = context.budgets.remainingMs;
    if (remaining !== null) enqueue.raise({ type: 'DEADLINE' }, { delay: Math.max(0, remaining), id: 'deadline' });
  }),
  on: {
    DEADLINE: {
      target: '.failed',
      actions: assign(({ context }) => ({
        job: {
          ...context.job,
          error: { code: 'budget_exceeded' as const, message: 'the job ran out of its wall-time budget (jobTimeoutMs)' },
        },
      })),
    },
  },
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
        {
          guard: 'overTokenBudget',
          target: 'failed',
          actions: assign(({ context }) => ({
            job: {
              ...context.job,
              error: {
                code: 'budget_exceeded' as const,
                message: `the job generated ${jobTokens(context.job)} tokens, over its budget of ${context.budgets.maxTokens} (jobMaxTokens)`,
              },
            },
          })),
        },
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

