import type { MemoryContext, RepoSnapshot, WorkRequest } from '../../proto/index.js';
import { answerReserve, TEMPLATE_OVERHEAD_TOKENS } from '../llm/context-guard.js';
import { memorySection, repositoryContext, taskPrompt } from './prompts.js';

/** What fitting needs of a model: its window and its own tokenizer. */
export interface TokenCounter {
  readonly contextSize: number;
  countTokens(text: string): number;
}

export interface PromptFitOptions {
  /** Null when the model cannot count (API models, whose windows are large): the prompt is built as asked. */
  counter: TokenCounter | null;
  system: string;
  request: WorkRequest;
  snapshot: RepoSnapshot | null;
  /** Characters of knowledge (memory, then repository files) the prompt may carry at most. */
  contextChars: number;
  maxTokens: number;
  /** Tokens to keep free for text added later (tool-phase notes). */
  spareTokens?: number;
}

export interface FittedPrompt {
  prompt: string;
  /** The memory the prompt really carries; chunks shed to fit are listed as omitted. */
  memory: MemoryContext | null;
}

const MIN_REPOSITORY_CHARS = 200;

/**
 * Builds the task prompt to fit the worker model's window, measured with the
 * model's own tokenizer: the Master's estimate (4 characters a token) can be
 * far off for a given vocabulary. Repository files shrink first, then the
 * lowest-ranked memory chunks go. What is shed is named in the prompt, never
 * cut silently; if nothing is left to shed, the prompt goes as it is and the
 * model's context guard refuses it with the sizes.
 */
export function fitPrompt(options: PromptFitOptions): FittedPrompt {
  const { counter, request, snapshot } = options;
  let memory = request.memory ?? null;
  let chars = Math.max(0, options.contextChars - memorySection(memory).length);
  const build = () => taskPrompt({ ...request, memory }, repositoryContext(snapshot, chars));
  if (!counter) return { prompt: build(), memory };
  const room =
    counter.contextSize -
    answerReserve(counter.contextSize, options.maxTokens) -
    TEMPLATE_OVERHEAD_TOKENS -
    counter.countTokens(options.system) -
    (options.spareTokens ?? 0);
  for (;;) {
    const prompt = build();
    const used = counter.countTokens(prompt);
    if (used <= room) return { prompt, memory };
    if (chars > 0) {
      const scaled = Math.floor(chars * Math.max(0, room / used) * 0.9);
      chars = scaled < MIN_REPOSITORY_CHARS || scaled >= chars ? 0 : scaled;
      continue;
    }
    const last = memory?.chunks.at(-1);
    if (!memory || !last) return { prompt, memory };
    memory = { ...memory, chunks: memory.chunks.slice(0, -1), omitted: [{ id: last.id, source: last.source }, ...memory.omitted] };
  }
}
