import { z } from 'zod';
import { TaskId } from './ids.js';
import { WireError } from './errors.js';
import { StageStatus, ValidationFailure, ValidationStageName } from './validation.js';
import { RuleResult, ValidationRule, Verdict } from './rules.js';
import { Role } from './task-role.js';

export { Role, ROLES } from './task-role.js';

/**
 * `retrying` means the task failed and waits out its backoff before it is
 * dispatched again; after a crash it is treated like `pending`. `completed`
 * means the committed attempt passed every rule; `needs_fix` means its work
 * was committed with a failed verdict (or merge conflicts) and a follow-up
 * task repairs it: what depends on it waits for that task, which carries the
 * outcome from there.
 */
export const TaskStatus = z.enum(['pending', 'running', 'retrying', 'completed', 'needs_fix', 'failed', 'blocked', 'cancelled']);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ['completed', 'needs_fix', 'failed', 'blocked', 'cancelled'];

/** Statuses whose work is on main: dependents may build on it (a `needs_fix` task's dependents also wait for its fix). */
export function isCommittedStatus(status: TaskStatus): boolean {
  return status === 'completed' || status === 'needs_fix';
}

export const ValidationReport = z.object({
  passed: z.boolean(),
  /** One line per problem, `path:line:col message`, as the fix task will see them. */
  issues: z.array(z.string()),
  /** The same problems, structured, with the tool output a fix task needs; absent on reports of older daemons. */
  failures: z.array(ValidationFailure).optional(),
  /** One line per pipeline stage that ran; absent when only the syntax stage ran. */
  stages: z.array(z.object({ stage: ValidationStageName, status: StageStatus, summary: z.string() })).optional(),
  /** Each of the task's executable rules, run on the exact tree that was committed. */
  rules: z.array(RuleResult).optional(),
  /**
   * `passed` only when every rule passed and no stage failed; `unverified`
   * when nothing failed but a rule could not run. Absent on older reports,
   * which are read as their `passed`.
   */
  verdict: Verdict.optional(),
});
export type ValidationReport = z.infer<typeof ValidationReport>;

export const TaskOutput = z.object({
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  files: z.array(z.string()),
  summary: z.string(),
  tokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative().optional(),
  validation: ValidationReport,
  /** Files another task changed since this one's snapshot; committed with conflict markers. */
  conflicts: z.array(z.string()),
  /** Ids of the memory chunks the worker's prompt carried. */
  contextChunks: z.array(z.string()).optional(),
});
export type TaskOutput = z.infer<typeof TaskOutput>;

/**
 * The seed's Task, in camelCase. `attempts` counts dispatches, so the seed's
 * retry_count is `attempts - 1` once the task has run.
 */
export const Task = z.object({
  id: TaskId,
  type: Role,
  description: z.string().min(1),
  dependencies: z.array(TaskId),
  priority: z.number().int().min(1).max(10),
  estimatedTime: z.number().int().positive().describe('minutes'),
  attempts: z.number().int().nonnegative(),
  maxRetries: z.number().int().nonnegative(),
  status: TaskStatus,
  assignedWorker: z.string().nullable(),
  prompt: z.string(),
  tools: z.array(z.string()),
  context: z.array(z.string()),
  output: TaskOutput.nullable(),
  /** Executable checks (proto/rules.ts); the task completes only when every one passes. */
  validationRules: z.array(ValidationRule).min(1),
  lastError: WireError.nullable(),
  /** Attempts that ended because the platform failed (the sandbox), not the task: they do not count against maxRetries. */
  infrastructureFailures: z.number().int().nonnegative().optional(),
  /** Attempts the daemon itself cut short (it stopped or was killed while they ran): they do not count against maxRetries. */
  interruptedAttempts: z.number().int().nonnegative().optional(),
  /**
   * Tokens the attempt now running has generated so far, from its progress
   * reports; folded into tokensUsed when the attempt ends, however it ends
   * (the final count replaces it), so every token is counted once.
   */
  inFlightTokens: z.number().int().nonnegative().optional(),
  /** Normalised failure messages, oldest first: the same one twice in a row means the task is looping. */
  failureSignatures: z.array(z.string()),
  /** Set on a fix task: the task whose validation failures it repairs. */
  fixOf: TaskId.nullable(),
  /** What one attempt of this task may spend; set at planning from the configured defaults. */
  budget: z.object({ maxTokens: z.number().int().positive(), timeoutMs: z.number().int().positive() }),
  /** Tokens generated over every finished attempt (completed, failed, cancelled or interrupted), counted against the job's budget. */
  tokensUsed: z.number().int().nonnegative(),
  /** US dollars spent over every attempt (API models with prices); absent while nothing was priced. */
  costUsd: z.number().nonnegative().optional(),
});
export type Task = z.infer<typeof Task>;

/** What the CLI and the API show for one task. */
export const TaskView = z.object({
  id: TaskId,
  type: Role,
  status: TaskStatus,
  attempts: z.number().int().nonnegative(),
  /** Optional so a newer CLI still reads an older daemon's views. Includes the running attempt's tokens so far. */
  tokensUsed: z.number().int().nonnegative().optional(),
  costUsd: z.number().nonnegative().optional(),
  /** Of tokensUsed, what the attempt still running has generated so far. */
  inFlightTokens: z.number().int().nonnegative().optional(),
  /** Attempts the daemon cut short (a restart); they cost the task no retry. */
  interruptedAttempts: z.number().int().nonnegative().optional(),
  /** The last committed attempt's verdict and rule results (logs left out); absent before any attempt was validated. */
  verdict: Verdict.optional(),
  rules: z.array(RuleResult.pick({ rule: true, status: true, detail: true })).optional(),
});
export type TaskView = z.infer<typeof TaskView>;

export const TaskSummary = Task.pick({
  id: true,
  type: true,
  description: true,
  dependencies: true,
  priority: true,
});
export type TaskSummary = z.infer<typeof TaskSummary>;
