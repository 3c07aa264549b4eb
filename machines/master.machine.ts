import { assign, enqueueActions, fromCallback, fromPromise, setup, type EventObject } from 'xstate';
import { INFRASTRUCTURE_CODES, addUsage, isAccepted, toWireError, type JobRecord, type Task } from '../proto/index.js';
import { acceptanceError, acceptanceFixTasks, isAcceptanceFix, startRound, withSummary } from './acceptance-updates.js';
import { meetsEveryRequirement, requirementsNotice } from './requirement-updates.js';
import { chargedAttempts, endAttemptTokens, failForGood, failureSignature, findTask, followUpTask, jobTokens, latestTaskCommit, patchTask, settleInFlight, tokensOf, unverifiedError } from './job-updates.js';
import { loopError, validationFailure } from './task-errors.js';
import type { AcceptJobInput, AcceptJobOutput, MasterContext, MasterEvent, MasterInput, MasterNotice, PlanJobInput, RunTaskInput } from './master-types.js';
import { countRunning, heightsOf, jobOutcome, retryDelayMs } from './scheduler.js';
import { TaskQueue } from './task-queue.js';

export type * from './master-types.js';
export { MASTER_SYSTEM_ID } from './master-types.js';
export { failureSignature } from './job-updates.js';

const notProvided = (name: string) => () => {
  throw new Error(`master machine: actor "${name}" must be provided by the composition root`);
};

const childId = (taskId: string, attempt: number) => `task:${taskId}:${attempt}`;

/** Sandbox failures a task may ride out before it fails for good: a broken engine must not retry forever. */
export const MAX_INFRASTRUCTURE_RETRIES = 3;

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
    acceptJob: fromPromise<AcceptJobOutput, AcceptJobInput>(notProvided('acceptJob')),
  },
  guards: {
    wasPlanning: ({ context }) => context.job.status === 'planning',
    wasRunning: ({ context }) => context.job.status === 'running',
    wasIntegrating: ({ context }) => context.job.status === 'integrating',
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
      for (const task of new TaskQueue(job.tasks, context.heights).getReadyTasks(slots)) {
        const attempt = task.attempts + 1;
        job = patchTask(job, task.id, { status: 'running', attempts: attempt });
        enqueue.spawnChild('runTask', {
          id: childId(task.id, attempt),
          input: { jobId: job.id, jobPrompt: job.prompt, repo: job.repo, blueprint: job.blueprint, task: { ...task, attempts: attempt }, attempt },
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
      const tracked = {
        output: event.output,
        assignedWorker: event.worker,
        ...endAttemptTokens(task, event.output.tokens),
        ...(event.output.costUsd !== undefined ? { costUsd: (task.costUsd ?? 0) + event.output.costUsd } : {}),
      };
      const { validation, conflicts } = event.output;
      enqueue.assign({ lastCommit: event.output.commit });
      // Reports from before executable rules carry no verdict and are read as their `passed`.
      const verdict = validation.verdict ?? (validation.passed ? 'passed' : 'failed');
      if (verdict === 'unverified' && conflicts.length === 0) {
        // Retrying cannot make a missing sandbox appear, and a fix task has nothing to fix: it fails for good.
        const job = failForGood(patchTask(context.job, task.id, tracked), task, unverifiedError(task, validation), enqueue.emit, event.attempt);
        enqueue.assign({ job });
        return;
      }
      if (verdict === 'passed' && conflicts.length === 0) {
        enqueue.assign({ job: patchTask(context.job, task.id, { ...tracked, status: 'completed', lastError: null }) });
        enqueue.emit({ type: 'task.completed', jobId, taskId: task.id, output: event.output });
        return;
      }
      const root = task.fixOf ?? task.id;
      // Integration fix tasks are bounded by the rounds, so they do not use up the task's fix tasks.
      const followUps = context.job.tasks.filter((t) => t.fixOf === root && !isAcceptanceFix(t)).length;
      const { problems, error } = validationFailure(task, validation, conflicts);
      if (followUps >= context.maxFixTasks) {
        const job = failForGood(patchTask(context.job, task.id, tracked), task, error, enqueue.emit, event.attempt);
        enqueue.assign({ job });
        return;
      }
      // The work is committed but did not pass: the task needs a fix, never `completed`. A follow-up task repairs
      // it, and whatever depended on it waits for that.
      const kind = conflicts.length > 0 ? 'merge' : 'fix';
      const fix = followUpTask(task, root, followUps + 1, kind, problems);
      const tasks = patchTask(context.job, task.id, { ...tracked, status: 'needs_fix', lastError: error }).tasks.map((t) =>
        t.dependencies.includes(task.id) && t.status === 'pending' ? { ...t, dependencies: [...t.dependencies, fix.id] } : t,
      );
      enqueue.assign({ job: { ...context.job, tasks: [...tasks, fix] }, heights: heightsOf([...tasks, fix]) });
      enqueue.emit({ type: 'task.committed', jobId, taskId: task.id, attempt: event.attempt, verdict, conflicts, output: event.output });
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
      // The sandbox failing is not the task failing: such attempts neither count nor look like a loop, up to a bound.
      const infrastructure = INFRASTRUCTURE_CODES.has(event.error.code);
      const infrastructureFailures = (task.infrastructureFailures ?? 0) + (infrastructure ? 1 : 0);
      const looping = !infrastructure && task.failureSignatures.at(-1) === signature;
      const tracked = {
        assignedWorker: event.worker,
        failureSignatures: [...task.failureSignatures, signature],
        ...endAttemptTokens(task, tokensOf(event.error)),
        ...(infrastructureFailures > 0 ? { infrastructureFailures } : {}),
      };
      const withinRetries = infrastructure
        ? infrastructureFailures <= MAX_INFRASTRUCTURE_RETRIES
        : chargedAttempts({ ...task, infrastructureFailures }) <= task.maxRetries;
      const canRetry = event.error.code !== 'cancelled' && !looping && withinRetries;
      if (canRetry) {
        const delay = retryDelayMs(task.attempts, context.retryBaseMs);
        enqueue.assign({
          job: patchTask(context.job, task.id, { ...tracked, status: 'retrying', lastError: event.error }),
        });
        enqueue.emit({ type: 'task.failed', jobId, taskId: task.id, attempt: event.attempt, error: event.error, retryInMs: delay });
        enqueue.raise({ type: 'RETRY_DUE', taskId: task.id }, { delay, id: `retry:${task.id}` });
        return;
      }
      // Out of retries, or looping (task-errors.ts): the task fails now.
      const error = looping ? loopError(task, signature, event.error) : event.error;
      const job = failForGood(patchTask(context.job, task.id, tracked), task, error, enqueue.emit, event.attempt);
      enqueue.assign({ job });
    }),
    recordProgress: assign(({ context, event }) => {
      if (event.type !== 'TASK_PROGRESS') return {};
      const task = findTask(context.job, event.taskId);
      if (task?.status !== 'running' || (event.attempt !== undefined && event.attempt !== task.attempts)) return {};
      // Reports carry a running total and may arrive out of order: the highest one stands.
      if (event.tokens <= (task.inFlightTokens ?? 0)) return {};
      return { job: patchTask(context.job, task.id, { inFlightTokens: event.tokens }) };
    }),
    recordModelUsage: assign(({ context, event }) => {
      if (event.type !== 'MODEL_USAGE') return {};
      const spent = { tokens: event.tokens, ...(event.costUsd !== undefined ? { costUsd: event.costUsd } : {}) };
      return { job: { ...context.job, planningUsage: addUsage(context.job.planningUsage ?? { tokens: 0 }, spent) } };
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
    heights: heightsOf(input.job.tasks),
    maxParallel: Math.max(1, input.maxParallel),
    retryBaseMs: input.retryBaseMs ?? 1000,
    maxFixTasks: input.maxFixTasks ?? 2,
    maxAcceptanceRounds: Math.max(1, input.maxAcceptanceRounds ?? 3),
    lastCommit: null,
    budgets: input.budgets ?? { maxTokens: null, remainingMs: null },
  }),
  entry: enqueueActions(({ context, enqueue }) => {
    const remaining = context.budgets.remainingMs;
    if (remaining !== null) enqueue.raise({ type: 'DEADLINE' }, { delay: Math.max(0, remaining), id: 'deadline' });
  }),
  on: {
    // Planning's spend arrives as it happens, so a cancel or a crash mid-plan still leaves it counted.
    MODEL_USAGE: { actions: 'recordModelUsage' },
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
        // A round cut short by a crash runs again under the same number: it never completed.
        {
          guard: 'wasIntegrating',
          target: 'integrating',
          actions: assign(({ context }) => ({ job: startRound(context.job, context.maxAcceptanceRounds, true).job })),
        },
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
            enqueue.assign({ job: { ...context.job, status: 'running', tasks }, heights: heightsOf(tasks) });
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
        // Every task done is not the job done: the integrated app must pass acceptance first.
        {
          guard: 'allCompleted',
          target: 'integrating',
          actions: assign(({ context }) => ({ job: startRound(context.job, context.maxAcceptanceRounds, false).job })),
        },
        { guard: 'settledWithFailures', target: 'failed' },
      ],
      on: {
        TASK_SUCCEEDED: { guard: 'isCurrentAttempt', actions: ['recordSuccess', 'dispatchReady'] },
        TASK_FAILED: { guard: 'isCurrentAttempt', actions: ['recordFailure', 'dispatchReady'] },
        TASK_PROGRESS: { actions: 'recordProgress' },
        RETRY_DUE: { actions: ['releaseRetry', 'dispatchReady'] },
        CANCEL: 'cancelled',
      },
    },
    integrating: {
      entry: enqueueActions(({ context, enqueue }) => {
        const state = context.job.acceptance;
        enqueue.emit({
          type: 'job.integrating',
          jobId: context.job.id,
          round: state?.rounds ?? 1,
          maxRounds: state?.maxRounds ?? context.maxAcceptanceRounds,
          // What main held as this Master last saw it; the summary names the commit the round judged.
          commit: context.lastCommit ?? state?.last?.commit ?? latestTaskCommit(context.job.tasks),
        });
      }),
      invoke: {
        src: 'acceptJob',
        input: ({ context }) => ({
          jobId: context.job.id,
          repo: context.job.repo,
          round: context.job.acceptance?.rounds ?? 1,
          tasks: context.job.tasks,
          blueprint: context.job.blueprint,
        }),
        onDone: [
          {
            // Passing every check is not enough: an app that ignored a requirement of the prompt is not done.
            guard: ({ event }) => isAccepted(event.output.summary) && meetsEveryRequirement(event.output.summary),
            target: 'completed',
            actions: enqueueActions(({ context, event, enqueue }) => {
              const { summary } = event.output;
              enqueue.assign({ job: withSummary(context.job, summary) });
              const notice = requirementsNotice(context.job.id, summary);
              if (notice) enqueue.emit(notice);
              enqueue.emit({ type: 'job.accepted', jobId: context.job.id, round: summary.round, passed: summary.passed, total: summary.total, commit: summary.commit });
            }),
          },
          {
            guard: ({ context, event }) => {
              const round = context.job.acceptance?.rounds ?? 1;
              const maxRounds = context.job.acceptance?.maxRounds ?? context.maxAcceptanceRounds;
              return round < maxRounds && acceptanceFixTasks(context.job, round, event.output.fixes).length > 0;
            },
            target: 'running',
            actions: enqueueActions(({ context, event, enqueue }) => {
              const round = context.job.acceptance?.rounds ?? 1;
              const fixes = acceptanceFixTasks(context.job, round, event.output.fixes);
              const tasks = [...context.job.tasks, ...fixes];
              enqueue.assign({ job: { ...withSummary(context.job, event.output.summary), status: 'running', tasks }, heights: heightsOf(tasks) });
              const notice = requirementsNotice(context.job.id, event.output.summary);
              if (notice) enqueue.emit(notice);
              for (const fix of fixes) {
                enqueue.emit({
                  type: 'task.created',
                  jobId: context.job.id,
                  taskId: fix.id,
                  reason: 'acceptance',
                  fixOf: fix.fixOf ?? fix.id,
                  task: { id: fix.id, type: fix.type, description: fix.description, dependencies: fix.dependencies, priority: fix.priority },
                });
              }
            }),
          },
          {
            target: 'failed',
            actions: enqueueActions(({ context, event, enqueue }) => {
              const { summary } = event.output;
              const job = withSummary(context.job, summary);
              enqueue.assign({ job: { ...job, error: acceptanceError(summary, job.acceptance?.rounds ?? summary.round) } });
              const notice = requirementsNotice(context.job.id, summary);
              if (notice) enqueue.emit(notice);
            }),
          },
        ],
        onError: {
          target: 'failed',
          actions: assign(({ context, event }) => ({ job: { ...context.job, error: toWireError(event.error, 'internal') } })),
        },
      },
      on: { CANCEL: 'cancelled' },
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
        enqueue.assign({ job: { ...settleInFlight(context.job), status: 'failed', error } });
        enqueue.emit({ type: 'job.failed', jobId: context.job.id, error });
      }),
    },
    cancelled: {
      type: 'final',
      entry: enqueueActions(({ context, event, enqueue }) => {
        const reason = event.type === 'CANCEL' ? event.reason : 'cancelled';
        // A cancelled attempt spent what it generated before the cancel: it stays counted.
        const tasks = settleInFlight(context.job).tasks.map((t) => {
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

