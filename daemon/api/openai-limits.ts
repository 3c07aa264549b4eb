import { Ajv } from 'ajv';
import { ProtocolError, type OpenAiChatCompletionBody } from '../../proto/index.js';
import type { LanguageModel } from '../../actors/llm/language-model.js';

export const DEFAULT_MAX_TOKENS = 512;

// Compiles client schemas only to check them; strict off, as OpenAI clients send keywords ajv does not know.
const ajv = new Ajv({ strict: false, validateSchema: true });

/**
 * The answer budget for one request. More than the model's whole context
 * window can never be produced and would keep a sequence busy while the
 * context shifts (one such request held one for 200 s), so it is refused;
 * anything that fits is capped at what is left after the prompt.
 */
export function answerBudget(body: OpenAiChatCompletionBody, model: LanguageModel, modelId: string, prompt: { system: string; prompt: string }): number {
  const field = body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
  const requested = body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS;
  const window = model.contextSize;
  if (window === undefined) return requested;
  if (requested > window) {
    throw new ProtocolError('bad_request', `${field} is ${requested}, but model "${modelId}" has a ${window}-token context window (prompt included); ask for at most ${window}`, {
      field,
      contextSize: window,
    });
  }
  const promptTokens = model.countTokens ? model.countTokens(prompt.system) + model.countTokens(prompt.prompt) : 0;
  // At least one token: a prompt that leaves no room is refused by the model's own context check, with its figures.
  return Math.max(1, Math.min(requested, window - promptTokens));
}

/** A response_format schema must be a JSON schema; checked before any model work, as the client's error. */
export function assertValidResponseSchema(body: OpenAiChatCompletionBody): void {
  const format = body.response_format;
  if (format?.type !== 'json_schema') return;
  try {
    ajv.compile(format.json_schema.schema);
  } catch (error) {
    throw new ProtocolError('bad_request', `response_format.json_schema.schema is not a valid JSON schema: ${firstLine(error)}`, {
      field: 'response_format.json_schema.schema',
    });
  }
}

/**
 * llama.cpp's grammar parser throws a plain "Failed to parse grammar"; that
 * is the client's grammar, not the daemon's fault. Other errors pass through.
 */
export function asClientGrammarError(error: unknown): unknown {
  if (error instanceof ProtocolError || !(error instanceof Error) || !/grammar/i.test(error.message)) return error;
  return new ProtocolError('bad_request', `grammar is not a GBNF grammar llama.cpp can parse (${firstLine(error)}); see llama.cpp's grammars/README.md`, {
    field: 'grammar',
  });
}

/** The JSON-schema variant: node-llama-cpp builds a grammar from the schema and refuses constructs it cannot express. */
export function asClientSchemaError(error: unknown): unknown {
  if (error instanceof ProtocolError || !(error instanceof Error) || !/schema|grammar/i.test(error.message)) return error;
  return new ProtocolError('bad_request', `response_format.json_schema.schema cannot be decoded under a grammar: ${firstLine(error)}`, {
    field: 'response_format.json_schema.schema',
  });
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0]?.slice(0, 200) ?? '';
}
