import { describeRule, type JobRecord, type Task, type TaskId, type ValidationReport, type WireError } from '../proto/index.js';
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

/** Everything the job's model calls generated: planning, finished attempts, and what running attempts have so far. */
export const jobTokens = (job: JobRecord) =>
  (job.planningUsage?.tokens ?? 0) + job.tasks.reduce((sum, t) => sum + t.tokensUsed + (t.inFlightTokens ?? 0), 0);

/**
 * The tokens an attempt that ended spent, counted once: its own final count
 * where it reported one, else what its progress reports had reached (a
 * timeout, a dead worker, a cancel), never both.
 */
export function endAttemptTokens(task: Task, finalTokens: number): Pick<Task, 'tokensUsed' | 'inFlightTokens'> {
  return { tokensUsed: task.tokensUsed + Math.max(finalTokens, task.inFlightTokens ?? 0), inFlightTokens: 0 };
}

/** Every attempt still running stops counting as in flight: what it spent so far joins the task's tokens. */
export function settleInFlight(job: JobRecord): JobRecord {
  if (!job.tasks.some((t) => t.inFlightTokens)) return job;
  return { ...job, tasks: job.tasks.map((t) => (t.inFlightTokens ? { ...t, ...endAttemptTokens(t, 0) } : t)) };
}

/** Attempts that count against maxRetries: not those the sandbox failed, nor those the daemon itself cut short. */
export function chargedAttempts(task: Task): number {
  return task.attempts - (task.infrastructureFailures ?? 0) - (task.interruptedAttempts ?? 0);
}

/** "after 3 attempt(s)", saying which of them were cut short by a daemon restart and so cost no retry. */
export function attemptsPhrase(task: Task): string {
  const interrupted = task.interruptedAttempts ?? 0;
  const note = interrupted > 0 ? ` (${interrupted} of them cut short by a daemon restart, which cost no retry)` : '';
  return `${task.attempts} attempt(s)${note}`;
}

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
      code: error.code === 'validation_failed' || error.code === 'loop_detected' || error.code === 'unverified' ? error.code : 'task_failed',
      message: `task ${task.id} (${task.type}) failed after ${attemptsPhrase(task)}: ${error.message}`,
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
  // What the task spent is its own: the follow-up starts from nothing.
  const { costUsd: _spent, ...base } = task;
  return {
    ...base,
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
    inFlightTokens: 0,
    interruptedAttempts: 0,
    infrastructureFailures: 0,
  };
}

/**
 * One Master per job. Its context is the job record, which the runner
 * persists after every transition, so a restarted daemon resumes from it.
 */

/**
 * A task whose checks found nothing wrong but could not all run: it is not
 * shown to work, so it is not completed. Names the rules that did not run and
 * what would let them run.
 */
export function unverifiedError(task: Task, validation: ValidationReport): WireError {
  const rules = (validation.rules ?? []).filter((r) => r.status === 'unverified');
  const named = rules.slice(0, 5).map((r) => `${describeRule(r.rule)} (${r.detail.slice(0, 200)})`);
  const what = named.length > 0 ? named.join('; ') : 'no rule of the task ran';
  return {
    code: 'unverified',
    message: `${task.id} is not shown to work: nothing failed, but ${rules.length || 'its'} rule(s) could not run: ${what}. Install bubblewrap or Docker so the sandbox can run them (see autodev doctor), then resubmit the job.`.slice(0, 2000),
    data: { taskId: task.id, unverified: rules.map((r) => describeRule(r.rule)) },
  };
}

/** A resumed round's best guess at main: the commit of the task added last that has one. */
export function latestTaskCommit(tasks: readonly Task[]): string {
  return tasks.findLast((t) => t.output !== null)?.output?.commit ?? 'unknown';
}
