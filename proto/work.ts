import { z } from 'zod';
import { JobId, TaskId } from './ids.js';
import { Role, TaskOutput } from './task.js';
import { WireError } from './errors.js';

/** What the Master sends a worker of the task's role. */
export const WorkRequest = z.object({
  type: z.literal('work.request'),
  jobId: JobId,
  taskId: TaskId,
  attempt: z.number().int().positive(),
  role: Role,
  repo: z.string(),
  jobPrompt: z.string(),
  description: z.string(),
  prompt: z.string(),
  validationRules: z.array(z.string()),
  /** The error of the previous attempt, so the retry prompt can carry it. */
  previousError: z.string().nullable(),
});
export type WorkRequest = z.infer<typeof WorkRequest>;

export const WorkSucceeded = z.object({ type: z.literal('work.succeeded'), worker: z.string(), output: TaskOutput });
export const WorkFailed = z.object({ type: z.literal('work.failed'), worker: z.string(), error: WireError });
export const WorkReply = z.discriminatedUnion('type', [WorkSucceeded, WorkFailed]);
export type WorkReply = z.infer<typeof WorkReply>;

export const CancelCommand = z.object({ type: z.literal('cmd.cancel'), jobId: JobId, reason: z.string() });
export type CancelCommand = z.infer<typeof CancelCommand>;
