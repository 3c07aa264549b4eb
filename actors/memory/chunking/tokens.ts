/**
 * Token counts for chunking and context budgets, estimated without a
 * tokenizer: the Master assembles context for workers whose model (and so
 * tokenizer) it may not have loaded. Four characters a token is the usual
 * ratio for English and code on BPE vocabularies; callers keep a margin.
 */
export const CHARS_PER_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}
