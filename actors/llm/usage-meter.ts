import { AutodevError, type ModelUsage } from '../../proto/index.js';
import type { GenerationRequest, GenerationResult, LanguageModel } from './language-model.js';

export interface MeterOptions {
  /** Least time between two reports of a call still generating; its end is always reported. */
  intervalMs?: number;
  now?: () => number;
}

/**
 * A model whose every call reports what it spent, as deltas, while it runs:
 * progress as the tokens come, and the rest (and the dollars) when the call
 * ends, succeeds or fails. A call cut short (a cancel, a crash) has thus
 * already reported what it generated, and nothing is reported twice.
 */
export function meterModel(model: LanguageModel, report: (spent: ModelUsage) => void, options: MeterOptions = {}): LanguageModel {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 500;

  async function metered<R extends GenerationResult<unknown>, Q extends GenerationRequest>(request: Q, call: (request: Q) => Promise<R>): Promise<R> {
    let reported = 0;
    let seen = 0;
    let last = now();
    const settle = (total: number, costUsd?: number) => {
      const tokens = Math.max(0, total - reported);
      reported = Math.max(reported, total);
      if (tokens > 0 || (costUsd ?? 0) > 0) report({ tokens, ...(costUsd ? { costUsd } : {}) });
    };
    const onProgress = (tokens: number) => {
      request.onProgress?.(tokens);
      seen = Math.max(seen, tokens);
      if (now() - last < interval) return;
      last = now();
      settle(tokens);
    };
    try {
      const result = await call({ ...request, onProgress });
      settle(result.tokens, result.costUsd);
      return result;
    } catch (error) {
      // A refused answer still cost its tokens; an aborted one cost what it had generated when it stopped.
      settle(Math.max(error instanceof AutodevError ? error.tokens : 0, seen));
      throw error;
    }
  }

  const generateWithFunctions = model.generateWithFunctions?.bind(model);
  const complete = model.complete?.bind(model);
  return {
    name: model.name,
    ...(model.contextSize !== undefined ? { contextSize: model.contextSize } : {}),
    ...(model.countTokens ? { countTokens: model.countTokens.bind(model) } : {}),
    ...(model.embed ? { embed: model.embed.bind(model) } : {}),
    generateJson: (request) => metered(request, (r) => model.generateJson(r)),
    generateText: (request) => metered(request, (r) => model.generateText(r)),
    ...(generateWithFunctions ? { generateWithFunctions: (request) => metered(request, generateWithFunctions) } : {}),
    ...(complete ? { complete: (request) => metered(request, complete) } : {}),
    // The model is shared by every job: closing a job's view of it must not close it.
    close: async () => {},
  };
}
