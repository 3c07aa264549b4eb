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

export interface ThinkingStoreOptions {
  /** Plans saved by an earlier run of the daemon. */
  plans?: ReadonlyArray<{ jobId: string; plan: ThinkingPlan }>;
  /** Called with all of a job's plans after one of them changes, for the daemon to save. */
  onChange?: (jobId: string, plans: ThinkingPlan[]) => void;
}

/**
 * Step state per (job, task), shared by every sequential_thinking server of
 * the process, so a small model can keep its place across many short calls
 * and across HTTP requests that each get a fresh server. The daemon's store
 * is saved per job through `onChange`; a stdio session's lives as long as
 * the session.
 */
export class ThinkingStore {
  readonly #plans = new Map<string, Map<string, ThinkingPlan>>();
  readonly #onChange: ThinkingStoreOptions['onChange'];

  constructor(options: ThinkingStoreOptions = {}) {
    this.#onChange = options.onChange;
    for (const { jobId, plan } of options.plans ?? []) this.#jobPlans(jobId).set(plan.taskId, plan);
  }

  get(jobId: string, taskId: string): ThinkingPlan | undefined {
    return this.#plans.get(jobId)?.get(taskId);
  }

  set(jobId: string, plan: ThinkingPlan): ThinkingPlan {
    const current = plan.steps.findIndex((s) => s.status !== 'done');
    const next = { ...plan, current: current === -1 ? null : current, finished: current === -1 };
    const plans = this.#jobPlans(jobId);
    plans.set(plan.taskId, next);
    this.#onChange?.(jobId, [...plans.values()]);
    return next;
  }

  #jobPlans(jobId: string): Map<string, ThinkingPlan> {
    let plans = this.#plans.get(jobId);
    if (!plans) {
      plans = new Map();
      this.#plans.set(jobId, plans);
    }
    return plans;
  }
}
