import type { AcceptanceSummary, Blueprint, JobEvent, JobRecord, Task, TaskId, TaskOutput, WireError } from '../proto/index.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The Master's id in its actor system (the runner starts it under it): a child
 * that reports while it runs, as planning reports its model usage, sends there.
 */
export const MASTER_SYSTEM_ID = 'master';

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
  /** Integration rounds (acceptance runs) before a job whose app still fails acceptance fails; default 3. */
  maxAcceptanceRounds?: number;
}

export interface MasterContext {
  job: JobRecord;
  /** Derived from the task graph; recomputed whenever tasks are added, never persisted. */
  heights: Record<TaskId, number>;
  maxParallel: number;
  retryBaseMs: number;
  budgets: JobBudgets;
  maxFixTasks: number;
  maxAcceptanceRounds: number;
  /** The commit of the latest task integrated into main, as this Master saw it; never persisted. */
  lastCommit: string | null;
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
  /** The job's blueprint, so integration needs no read-back of the job record. */
  blueprint: Blueprint | null;
  task: Task;
  attempt: number;
}

/** One integration round: build, start and accept the app from main. */
export interface AcceptJobInput {
  jobId: string;
  repo: string;
  round: number;
  tasks: Task[];
  /** Its requirements are judged on every round. */
  blueprint: Blueprint | null;
}

/** Failing checks and project tests of one round, grouped by the task that owns the failing code. */
export interface AcceptanceFix {
  ownerTaskId: TaskId;
  /** One entry per failing check or test: request, expected, actual, and the log that explains it. */
  problems: string[];
}

export interface AcceptJobOutput {
  summary: AcceptanceSummary;
  fixes: AcceptanceFix[];
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
/** A running attempt's progress: the tokens it has generated so far (from its worker's `task.progress`). */
export type TaskProgressEvent = {
  type: 'TASK_PROGRESS';
  taskId: TaskId;
  /** Absent from older workers: the report then counts toward whichever attempt runs. */
  attempt?: number;
  tokens: number;
};
/** Tokens (and dollars) the Master's own model calls just spent while planning: a delta, counted once. */
export type ModelUsageEvent = { type: 'MODEL_USAGE'; tokens: number; costUsd?: number };
export type MasterEvent =
  | TaskSucceededEvent
  | TaskFailedEvent
  | TaskProgressEvent
  | ModelUsageEvent
  | { type: 'RETRY_DUE'; taskId: TaskId }
  | { type: 'DEADLINE' }
  | { type: 'CANCEL'; reason: string };
