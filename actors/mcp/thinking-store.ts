import { z } from 'zod';

export const StepStatus = z.enum(['pending', 'in_progress', 'done', 'failed']);
export type StepStatus = z.infer<typeof StepStatus>;

export const PlanStep = z.object({
  index: z.number().int(),
  title: z.string(),
  check: z.string().describe('how to tell the step succeeded'),
  status: StepStatus,
  attempts: z.number().int(),
  notes: z.array(z.string()),
  result: z.string().nullable(),
});
export type PlanStep = z.infer<typeof PlanStep>;

export const ThinkingPlan = z.object({
  taskId: z.string(),
  goal: z.string(),
  maxAttempts: z.number().int(),
  steps: z.array(PlanStep),
  /** The first step not done yet, or null when every step is done. */
  current: z.number().int().nullable(),
  finished: z.boolean(),
});
export type ThinkingPlan = z.infer<typeof ThinkingPlan>;

/**
 * Step state per (job, task), shared by every sequential_thinking server of
 * the process, so a small model can keep its place across many short calls
 * and across HTTP requests that each get a fresh server. In memory only.
 */
export class ThinkingStore {
  readonly #plans = new Map<string, ThinkingPlan>();

  get(jobId: string, taskId: string): ThinkingPlan | undefined {
    return this.#plans.get(`${jobId}/${taskId}`);
  }

  set(jobId: string, plan: ThinkingPlan): ThinkingPlan {
    const current = plan.steps.findIndex((s) => s.status !== 'done');
    const next = { ...plan, current: current === -1 ? null : current, finished: current === -1 };
    this.#plans.set(`${jobId}/${plan.taskId}`, next);
    return next;
  }
}
