import { z } from 'zod';
import { JobId, TaskId, Timestamp } from './ids.js';
import { Role, TaskOutput, TaskSummary } from './task.js';
import { WireError } from './errors.js';
import { StageResult } from './validation.js';
import { AcceptanceCheckResult } from './acceptance.js';
import { RequirementResult } from './requirements.js';
import { Verdict } from './rules.js';

/**
 * Every job and task state change, as published on NATS under
 * `<prefix>.job.<jobId>.…`. The `type` mirrors the subject: `job.planned` is
 * published on `<prefix>.job.<jobId>.planned`, `task.completed` on
 * `<prefix>.job.<jobId>.task.<taskId>.completed`.
 */
const jobBase = { jobId: JobId, at: Timestamp };
const taskBase = { ...jobBase, taskId: TaskId };

export const JobSubmitted = z.object({
  type: z.literal('job.submitted'),
  ...jobBase,
  prompt: z.string(),
  hasSpec: z.boolean(),
  repo: z.string(),
});
export const JobPlanning = z.object({ type: z.literal('job.planning'), ...jobBase });
export const JobPlanned = z.object({ type: z.literal('job.planned'), ...jobBase, tasks: z.array(TaskSummary) });
export const JobResumed = z.object({ type: z.literal('job.resumed'), ...jobBase });
export const JobCompleted = z.object({ type: z.literal('job.completed'), ...jobBase });
export const JobFailed = z.object({ type: z.literal('job.failed'), ...jobBase, error: WireError });
export const JobCancelled = z.object({ type: z.literal('job.cancelled'), ...jobBase, reason: z.string() });
/** Every task is done: the Master builds and starts the app from main and runs the acceptance suite (round 1, 2, …). */
export const JobIntegrating = z.object({
  type: z.literal('job.integrating'),
  ...jobBase,
  round: z.number().int().positive(),
  maxRounds: z.number().int().positive(),
  commit: z.string(),
});
/** The app passed every acceptance check (and its own tests); `job.completed` follows. */
export const JobAccepted = z.object({
  type: z.literal('job.accepted'),
  ...jobBase,
  round: z.number().int().positive(),
  passed: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  commit: z.string(),
});
/**
 * Each of the blueprint's requirements as an integration round judged it
 * (passed, failed, not_checkable with the reason), published on
 * `<prefix>.job.<jobId>.requirements` after the round, before the job's
 * verdict: a job completes only when none failed.
 */
export const JobRequirements = z.object({
  type: z.literal('job.requirements'),
  ...jobBase,
  round: z.number().int().positive(),
  requirements: z.array(RequirementResult),
});
/** One acceptance check's result in an integration round, published on `<prefix>.job.<jobId>.acceptance.check`. */
export const AcceptanceCheckEvent = z.object({
  type: z.literal('acceptance.check'),
  ...jobBase,
  round: z.number().int().positive(),
  result: AcceptanceCheckResult,
});

export const TaskDispatched = z.object({
  type: z.literal('task.dispatched'),
  ...taskBase,
  role: Role,
  attempt: z.number().int().positive(),
});
export const TaskProgress = z.object({
  type: z.literal('task.progress'),
  ...taskBase,
  worker: z.string(),
  phase: z.enum(['started', 'generating', 'writing', 'committing']),
  /** Tokens this attempt has generated so far. */
  tokens: z.number().int().nonnegative(),
  /** The attempt reporting; absent from older workers, whose reports count toward whichever attempt runs. */
  attempt: z.number().int().positive().optional(),
});
/** The task's committed attempt passed every rule: the task is done. */
export const TaskCompleted = z.object({ type: z.literal('task.completed'), ...taskBase, output: TaskOutput });
/**
 * An attempt's work was committed, but its verdict did not pass (a rule or
 * stage failed) or it left merge conflicts: the task is `needs_fix`, and the
 * `task.created` that follows names the task that repairs it. Never followed
 * by a `task.completed` for the same task.
 */
export const TaskCommitted = z.object({
  type: z.literal('task.committed'),
  ...taskBase,
  attempt: z.number().int().positive(),
  verdict: Verdict,
  /** Files committed with conflict markers (a merge task follows). */
  conflicts: z.array(z.string()),
  output: TaskOutput,
});
export const TaskFailed = z.object({
  type: z.literal('task.failed'),
  ...taskBase,
  attempt: z.number().int().positive(),
  error: WireError,
  retryInMs: z.number().int().nonnegative().nullable(),
});
/** A task added while the job runs: a fix task for a validation failure, or a merge task for a conflict. */
export const TaskCreated = z.object({
  type: z.literal('task.created'),
  ...taskBase,
  task: TaskSummary,
  /** `acceptance`: an integration fix task carrying failing acceptance checks or project tests. */
  reason: z.enum(['fix', 'merge', 'acceptance']),
  fixOf: TaskId,
});
export const TaskBlocked = z.object({ type: z.literal('task.blocked'), ...taskBase, blockedBy: TaskId });
export const TaskCancelled = z.object({ type: z.literal('task.cancelled'), ...taskBase });
/** One stage of the validation pipeline for one attempt of a task, published as it finishes. */
export const ValidationStageEvent = z.object({
  type: z.literal('validation.stage'),
  ...taskBase,
  attempt: z.number().int().positive(),
  result: StageResult,
});

export const JobEvent = z.discriminatedUnion('type', [
  JobSubmitted,
  JobPlanning,
  JobPlanned,
  JobResumed,
  JobCompleted,
  JobFailed,
  JobCancelled,
  JobIntegrating,
  JobAccepted,
  JobRequirements,
  AcceptanceCheckEvent,
  TaskDispatched,
  TaskProgress,
  TaskCompleted,
  TaskCommitted,
  TaskFailed,
  TaskCreated,
  TaskBlocked,
  TaskCancelled,
  ValidationStageEvent,
]);
export type JobEvent = z.infer<typeof JobEvent>;
export type JobEventType = JobEvent['type'];
export type JobEventOf<T extends JobEventType> = Extract<JobEvent, { type: T }>;

export type JobSubmitted = z.infer<typeof JobSubmitted>;
export type JobPlanned = z.infer<typeof JobPlanned>;
export type JobFailed = z.infer<typeof JobFailed>;
export type TaskProgress = z.infer<typeof TaskProgress>;
export type TaskCompleted = z.infer<typeof TaskCompleted>;
export type TaskCommitted = z.infer<typeof TaskCommitted>;
export type TaskFailed = z.infer<typeof TaskFailed>;
export type ValidationStageEvent = z.infer<typeof ValidationStageEvent>;
export type JobIntegrating = z.infer<typeof JobIntegrating>;
export type JobAccepted = z.infer<typeof JobAccepted>;
export type JobRequirements = z.infer<typeof JobRequirements>;
export type AcceptanceCheckEvent = z.infer<typeof AcceptanceCheckEvent>;

export const TERMINAL_JOB_EVENTS: readonly JobEventType[] = ['job.completed', 'job.failed', 'job.cancelled'];

export function isTerminalJobEvent(event: JobEvent): boolean {
  return TERMINAL_JOB_EVENTS.includes(event.type);
}

export function isTaskEvent(event: JobEvent): event is Extract<JobEvent, { taskId: string }> {
  return 'taskId' in event;
}
