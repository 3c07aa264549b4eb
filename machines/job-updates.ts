import type { JobRecord, Task, TaskId, WireError } from '../proto/index.js';
import type { MasterNotice } from './master-types.js';
import { transitiveDependents } from './scheduler.js';

/** Pure updates of a job record, used by the Master's actions. */

export function patchTask(job: JobRecord, id: TaskId, patch: Partial<Task>): JobRecord {
  return { ...job, tasks: job.tasks.map((t) => (t.id === id ? { ...t, ...patch } : t)) };
}

export function findTask(job: JobRecord, id: TaskId): Task | undefined {
  return job.tasks.find((t) => t.id === id);
}

/** Numbers and paths vary between identical failures; the rest of the message identifies it. */
export function failureSignature(error: WireError): string {
  return `${error.code}:${error.message.replace(/\d+/g, '#').replace(/\s+/g, ' ').slice(0, 200)}`;
}

export function tokensOf(error: WireError): number {
  return error.tokens ?? 0;
}

export const jobTokens = (job: JobRecord) => job.tasks.reduce((sum, t) => sum + t.tokensUsed, 0);

/** Marks a task failed for good, blocks everything downstream, and records the job's first error. */
export function failForGood(
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
export function followUpTask(task: Task, root: TaskId, n: number, kind: 'fix' | 'merge', problems: readonly string[]): Task {
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
