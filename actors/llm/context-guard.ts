import { ProtocolError } from '../../proto/index.js';

/** Tokens a chat template adds around the system prompt and the prompt (role markers, BOS). */
export const TEMPLATE_OVERHEAD_TOKENS = 32;

export interface ContextBudget {
  contextSize: number;
  promptTokens: number;
  maxTokens: number;
}

/**
 * The room kept for the answer: the request's budget, but at most half the
 * window. A 4096-token budget in a 4096-token window would refuse every
 * prompt, while the answer rarely uses its whole budget.
 */
export function answerReserve(contextSize: number, maxTokens: number): number {
  return Math.min(maxTokens, Math.floor(contextSize / 2));
}

/**
 * Refuses a prompt that does not fit in the context window with room for the
 * answer. Truncating it instead would silently drop the task's instructions
 * or the repository context the worker was promised.
 */
export function assertFitsContext(budget: ContextBudget): void {
  const reserve = answerReserve(budget.contextSize, budget.maxTokens);
  const needed = budget.promptTokens + TEMPLATE_OVERHEAD_TOKENS + reserve;
  if (needed <= budget.contextSize) return;
  throw new ProtocolError(
    'context_overflow',
    `the prompt is ${budget.promptTokens} tokens; with ${reserve} tokens kept for the answer it needs ${needed} of the ` +
      `model's ${budget.contextSize}-token context window. Shorten the prompt (e.g. lower contextChars) or raise the role's contextSize.`,
    { promptTokens: budget.promptTokens, answerReserve: reserve, contextSize: budget.contextSize },
  );
}
