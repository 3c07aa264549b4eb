import type { MemoryHit } from '../../proto/memory.js';
import type { ContextChunk, MemoryContext } from '../../proto/work.js';
import { estimateTokens } from './chunking/tokens.js';

/** Tokens a chunk costs in the prompt beyond its content: its header line. */
const CHUNK_OVERHEAD_TOKENS = 16;

/**
 * The best-ranked hits that fit the budget, whole. A chunk that does not fit
 * is named in `omitted` rather than cut: a half function misleads a model
 * more than a missing one.
 */
export function fitToBudget(hits: readonly MemoryHit[], budgetTokens: number): MemoryContext {
  const budget = Math.max(0, Math.floor(budgetTokens));
  const chunks: ContextChunk[] = [];
  const omitted: MemoryContext['omitted'] = [];
  const seen = new Set<string>();
  let used = 0;
  for (const hit of hits) {
    if (seen.has(hit.id)) continue;
    seen.add(hit.id);
    const cost = estimateTokens(hit.content) + CHUNK_OVERHEAD_TOKENS;
    if (used + cost > budget) {
      omitted.push({ id: hit.id, source: hit.metadata.source });
      continue;
    }
    used += cost;
    chunks.push({ id: hit.id, type: hit.metadata.type, source: hit.metadata.source, content: hit.content });
  }
  return { chunks, omitted, budgetTokens: budget };
}

export interface PromptBudget {
  /** The worker model's context window, in tokens. */
  contextTokens: number;
  /** Tokens reserved for the answer. */
  answerTokens: number;
  /** Everything else the prompt carries: system prompt, task text, repository files. */
  fixedTokens: number;
  /** Slack for the estimate's error. */
  reserveTokens?: number;
}

/** What is left of the window for memory; never negative. */
export function memoryBudget(budget: PromptBudget): number {
  const reserve = budget.reserveTokens ?? Math.ceil(budget.contextTokens * 0.1);
  return Math.max(0, budget.contextTokens - budget.answerTokens - budget.fixedTokens - reserve);
}
