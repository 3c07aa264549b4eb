import type { GbnfJsonSchema } from 'node-llama-cpp';
import { ProtocolError } from '../../proto/index.js';
import { parseJsonAnswer } from './json-answer.js';
import type { GenerationRequest, GenerationResult, LanguageModel } from './language-model.js';
import { loadRecording, type LoadedAnswer, type LoadedRecording } from './replay-recording.js';

/** Characters of the task line an error shows: enough to tell tasks apart, never a whole prompt. */
const SHOWN_TASK_CHARS = 80;
const CHARS_PER_TOKEN = 4;

/**
 * The `replay` provider: a LanguageModel that answers from a recording
 * (proto/recording.ts) instead of weights, so tests, the demo and the
 * benchmark exercise the real pipeline with competent answers in no model
 * time. It has no generateWithFunctions, so no tool phase runs. A request
 * the recording has no answer for fails as a model answer would, with the
 * task named, never with a made-up answer.
 */
export class ReplayLanguageModel implements LanguageModel {
  readonly name: string;
  readonly #recording: LoadedRecording;

  private constructor(recording: LoadedRecording) {
    this.#recording = recording;
    this.name = recording.path;
  }

  /** Reads the recording and every answer file now; a bad recording fails here, naming the file and the field. */
  static async load(path: string): Promise<ReplayLanguageModel> {
    return new ReplayLanguageModel(await loadRecording(path));
  }

  async generateJson(request: GenerationRequest & { schema: GbnfJsonSchema }): Promise<GenerationResult<unknown>> {
    const answer = this.#answer(request);
    const spent = this.#spend(request, answer.kind === 'json' ? JSON.stringify(answer.value) : answer.text);
    if (spent.truncated) return { value: spent.text, tokens: spent.tokens, promptTokens: promptTokens(request), costUsd: 0, truncated: true };
    // A local model decodes under this schema, so a recorded answer outside it would be one no model could give.
    return { value: parseJsonAnswer(spent.text, request.schema), tokens: spent.tokens, promptTokens: promptTokens(request), costUsd: 0 };
  }

  async generateText(request: GenerationRequest & { grammar: string }): Promise<GenerationResult<string>> {
    const answer = this.#answer(request);
    if (answer.kind === 'json') {
      throw new ProtocolError('model_output_invalid', `replay recording ${this.name} answers "${taskLine(request.prompt)}" with JSON, but this request asks for text: record a text or textFile answer`);
    }
    const spent = this.#spend(request, answer.text);
    request.onText?.(spent.text);
    return { value: spent.text, tokens: spent.tokens, promptTokens: promptTokens(request), costUsd: 0, ...(spent.truncated ? { truncated: true } : {}) };
  }

  async close(): Promise<void> {}

  /** The first entry whose expression matches what a model would read; the attempt is the request's seed. */
  #answer(request: GenerationRequest): LoadedAnswer {
    request.signal?.throwIfAborted();
    const input = `${request.system}\n${request.prompt}`;
    const entry = this.#recording.entries.find((e) => e.match.test(input));
    if (!entry) {
      throw new ProtocolError('model_output_invalid', `replay recording ${this.name} has no answer for "${taskLine(request.prompt)}": add an entry whose match fits this request`);
    }
    const attempt = request.seed !== undefined && Number.isInteger(request.seed) && request.seed >= 1 ? request.seed : 1;
    return entry.attempts[Math.min(attempt, entry.attempts.length) - 1] as LoadedAnswer;
  }

  /**
   * Counts the answer against the budget as a model would: an answer longer
   * than maxTokens is cut there when the caller allows it, and fails otherwise.
   */
  #spend(request: GenerationRequest, text: string): { text: string; tokens: number; truncated: boolean } {
    const tokens = roughTokens(text);
    if (tokens > request.maxTokens && request.allowTruncated) {
      request.onProgress?.(request.maxTokens);
      return { text: text.slice(0, request.maxTokens * CHARS_PER_TOKEN), tokens: request.maxTokens, truncated: true };
    }
    if (tokens > request.maxTokens) {
      throw new ProtocolError(
        'model_output_invalid',
        `replay recording ${this.name}: the answer for "${taskLine(request.prompt)}" is about ${tokens} tokens, over this request's budget of ${request.maxTokens}; raise the budget or shorten the answer`,
        { maxTokens: request.maxTokens },
        { tokens: request.maxTokens },
      );
    }
    request.onProgress?.(tokens);
    return { text, tokens, truncated: false };
  }
}

/** About four characters a token: what the budget and the accounts see, at least 1. */
export function roughTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / CHARS_PER_TOKEN));
}

const promptTokens = (request: GenerationRequest) => roughTokens(request.system) + roughTokens(request.prompt);

/** The worker's "Your task (id): …" line, or the prompt's start on one line (the Master's requests have no task line). */
function taskLine(prompt: string): string {
  const line = prompt.split('\n').find((l) => l.startsWith('Your task (')) ?? prompt.replace(/\s+/g, ' ');
  return line.trim().slice(0, SHOWN_TASK_CHARS);
}
