import { z } from 'zod';

/** What model calls spent: tokens generated, and US dollars where the model has prices (absent otherwise). */
export const ModelUsage = z.object({
  tokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative().optional(),
});
export type ModelUsage = z.infer<typeof ModelUsage>;

export const NO_USAGE: ModelUsage = { tokens: 0 };

/** Two spends together; dollars stay absent while neither side was priced. */
export function addUsage(a: ModelUsage, b: ModelUsage): ModelUsage {
  const cost = a.costUsd === undefined && b.costUsd === undefined ? undefined : (a.costUsd ?? 0) + (b.costUsd ?? 0);
  return { tokens: a.tokens + b.tokens, ...(cost !== undefined ? { costUsd: cost } : {}) };
}

/**
 * A job's spend, as `status --json` shows it: planning (the plan and the
 * acceptance checks the Master's model wrote), the tasks' finished attempts,
 * and what the attempts still running have generated so far.
 */
export const JobUsageView = z.object({
  planning: ModelUsage,
  tasks: ModelUsage,
  inFlightTokens: z.number().int().nonnegative(),
});
export type JobUsageView = z.infer<typeof JobUsageView>;
