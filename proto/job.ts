import { z } from 'zod';
import { JobId, Timestamp } from './ids.js';
import { Task, TaskView } from './task.js';
import { WireError } from './errors.js';
import { Blueprint } from './blueprint.js';
import { AcceptanceState, AcceptanceSummary } from './acceptance.js';
import { jobRequirements } from './job-requirements.js';
import { RequirementResult } from './requirements.js';
import { JobUsageView, ModelUsage, addUsage } from './usage.js';

/** `integrating`: every task is done and the Master is building, starting and accepting the app from main. */
export const JobStatus = z.enum(['planning', 'running', 'integrating', 'completed', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatus>;

export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export function isTerminalJobStatus(status: JobStatus): boolean {
  return TERMINAL_JOB_STATUSES.includes(status);
}

/** Bumped whenever the persisted shape changes; old records are refused, not misread. */
export const JOB_RECORD_VERSION = 3;

/** The durable state of one job: the Master's context, persisted on every transition. */
export const JobRecord = z.object({
  schemaVersion: z.literal(JOB_RECORD_VERSION),
  id: JobId,
  prompt: z.string(),
  spec: z.string().nullable(),
  /** The ProjectAnalyzer's result, computed once at submission. */
  blueprint: Blueprint.nullable(),
  status: JobStatus,
  repo: z.string(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  tasks: z.array(Task),
  error: WireError.nullable(),
  /** The integration phase; null until every task is done for the first time. */
  acceptance: AcceptanceState.nullable(),
  /** What the Master's model spent planning: the plan and the acceptance checks it wrote. Absent on older records. */
  planningUsage: ModelUsage.optional(),
  /** When the job reached its final status; absent while it runs and on older records (their updatedAt stands in). */
  endedAt: Timestamp.optional(),
});
export type JobRecord = z.infer<typeof JobRecord>;

/** The one JSON object that `autodev status JOB --json` and `submit --wait --json` print. */
export const JobView = z.object({
  jobId: JobId,
  status: JobStatus,
  repo: z.string(),
  prompt: z.string(),
  createdAt: Timestamp,
  /** Optional fields below: older daemons do not send them. The job starts when it is submitted. */
  startedAt: Timestamp.optional(),
  /** Null while the job runs. */
  endedAt: Timestamp.nullable().optional(),
  /** From start to end, or to now while the job runs. */
  durationMs: z.number().int().nonnegative().optional(),
  error: WireError.nullable(),
  tasks: z.array(TaskView),
  /** Tokens and dollars over every model call of the job (planning, every task attempt, and what running attempts spent so far). */
  tokensUsed: z.number().int().nonnegative().optional(),
  costUsd: z.number().nonnegative().optional(),
  /** The same, broken down. */
  usage: JobUsageView.optional(),
  /** The latest acceptance run; null before the integration phase (optional: older daemons do not send it). */
  acceptance: AcceptanceSummary.nullable().optional(),
  /** Each of the blueprint's requirements with its verdict (see proto/requirements.ts; optional: older daemons do not send it). */
  requirements: z.array(RequirementResult).optional(),
});
export type JobView = z.infer<typeof JobView>;

export function toJobView(job: JobRecord, now: Date = new Date()): JobView {
  const taskUsage = job.tasks.reduce<ModelUsage>((sum, t) => addUsage(sum, { tokens: t.tokensUsed, ...(t.costUsd !== undefined ? { costUsd: t.costUsd } : {}) }), { tokens: 0 });
  const planning = job.planningUsage ?? { tokens: 0 };
  const inFlightTokens = job.tasks.reduce((sum, t) => sum + (t.inFlightTokens ?? 0), 0);
  const endedAt = jobEndedAt(job);
  const end = endedAt === null ? now.getTime() : Date.parse(endedAt);
  return {
    jobId: job.id,
    status: job.status,
    repo: job.repo,
    // Records from before prompts were checked may hold lone surrogates, which strict JSON parsers refuse.
    prompt: job.prompt.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
    createdAt: job.createdAt,
    startedAt: job.createdAt,
    endedAt,
    durationMs: Math.max(0, end - Date.parse(job.createdAt)),
    error: job.error,
    tasks: job.tasks.map((t) => ({
      id: t.id,
      type: t.type,
      status: t.status,
      attempts: t.attempts,
      tokensUsed: t.tokensUsed + (t.inFlightTokens ?? 0),
      ...(t.costUsd !== undefined ? { costUsd: t.costUsd } : {}),
      ...(t.inFlightTokens ? { inFlightTokens: t.inFlightTokens } : {}),
      ...(t.interruptedAttempts ? { interruptedAttempts: t.interruptedAttempts } : {}),
      ...(t.output?.validation.verdict ? { verdict: t.output.validation.verdict } : {}),
      ...(t.output?.validation.rules ? { rules: t.output.validation.rules.map((r) => ({ rule: r.rule, status: r.status, detail: r.detail })) } : {}),
    })),
    tokensUsed: planning.tokens + taskUsage.tokens + inFlightTokens,
    costUsd: (planning.costUsd ?? 0) + (taskUsage.costUsd ?? 0),
    usage: { planning, tasks: taskUsage, inFlightTokens },
    acceptance: job.acceptance?.last ?? null,
    requirements: jobRequirements(job),
  };
}

/** A finished job's end; a record from before endedAt was kept ended at its last transition. */
export function jobEndedAt(job: JobRecord): string | null {
  if (!isTerminalJobStatus(job.status)) return null;
  return job.endedAt ?? job.updatedAt;
}

/**
 * A job whose job.json could not be read (truncated, overwritten, from
 * another version): the file was moved aside, the job's folder and repository
 * are untouched, and the job is listed with this instead of vanishing.
 */
export const CorruptJobView = z.object({
  jobId: JobId,
  status: z.literal('corrupt'),
  /** What was wrong, never the file's content. */
  reason: z.string(),
  /** Where the unreadable record now is. */
  file: z.string(),
  at: Timestamp,
  /** What a person can do about it. */
  recovery: z.string(),
});
export type CorruptJobView = z.infer<typeof CorruptJobView>;

