import type { GbnfJsonSchema } from 'node-llama-cpp';
import { AutodevError } from '../../proto/index.js';
import type { GenerationRequest, LanguageModel } from '../llm/language-model.js';

export type Judged<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface AskOptions<T> {
  model: LanguageModel;
  request: Pick<GenerationRequest, 'system' | 'prompt' | 'maxTokens'> & { schema: GbnfJsonSchema };
  attempts: number;
  /** Repairs and validates an answer that kept the grammar. */
  judge: (answer: unknown) => Judged<T>;
  /** Told why an answer was refused, before the model is asked again. */
  onRefused: (attempt: number, problem: string) => void;
  signal: AbortSignal;
}

/**
 * Asks the model under a grammar until an answer passes `judge`. An answer
 * that fails validation, or that the model could not finish within its
 * budget (or an API model's answer off the schema), is asked for again with
 * a raised temperature and a new seed, so a greedy decoder does not repeat
 * itself. Cancellation and every other error end the asking at once.
 */
export async function askUntilValid<T>(options: AskOptions<T>): Promise<Judged<T>> {
  let last: Judged<T> = { ok: false, problem: 'the model was never asked' };
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    options.signal.throwIfAborted();
    try {
      const answer = await options.model.generateJson({
        ...options.request,
        signal: options.signal,
        ...(attempt > 1 ? { temperature: 0.7, seed: attempt } : {}),
      });
      last = options.judge(answer.value);
    } catch (error) {
      if (!(error instanceof AutodevError) || error.code !== 'model_output_invalid') throw error;
      last = { ok: false, problem: error.message };
    }
    if (last.ok) return last;
    options.onRefused(attempt, last.problem);
  }
  return last;
}

/** zod's issues in one line, for the log and the final error. */
export function issuesLine(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
