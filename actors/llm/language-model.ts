import type { GbnfJsonSchema } from 'node-llama-cpp';

export interface GenerationRequest {
  system: string;
  prompt: string;
  maxTokens: number;
  signal?: AbortSignal;
  /** 0 (the default) decodes greedily; retries raise it so they do not repeat a failed answer. */
  temperature?: number;
  seed?: number;
  /** Called with the running total of generated tokens. */
  onProgress?: (tokens: number) => void;
  /** Return what was decoded when the budget runs out (with `truncated`) instead of failing. */
  allowTruncated?: boolean;
  /** Called with each piece of answer text as it is decoded (streaming). */
  onText?: (text: string) => void;
}

/** A function the model may call; `parameters` is the JSON schema its arguments are decoded under. */
export interface ModelFunction {
  description: string;
  parameters: GbnfJsonSchema;
  /** Its result is shown to the model as the call's answer. Errors are returned, not thrown, so the model can recover. */
  handler: (args: unknown) => Promise<unknown>;
}

export interface FunctionCallRecord {
  name: string;
  args: unknown;
  result: unknown;
}

export interface GenerationResult<T> {
  value: T;
  /** Tokens generated (the answer). */
  tokens: number;
  /** Tokens read (system prompt and prompt), where the backend reports them. */
  promptTokens?: number;
  /** Of those, the ones the local model actually evaluated: fewer when a cached prefix (the system prompt) was reused. */
  promptTokensEvaluated?: number;
  /** What the call cost in US dollars, for API models with configured prices; 0 for local models. */
  costUsd?: number;
  /** Set when `allowTruncated` was asked for and the answer stopped at maxTokens; a JSON answer's value is then its partial text. */
  truncated?: boolean;
}

/**
 * What actors need from a model. Every answer is decoded under a grammar, so
 * a weak model can produce garbage content but never an unparseable shape.
 */
export interface LanguageModel {
  readonly name: string;
  /** The context window in tokens, where the backend knows it; workers fit their prompts to it. */
  readonly contextSize?: number;
  /** Tokens of a text under this model's tokenizer, where the backend can count locally. */
  countTokens?(text: string): number;
  generateJson(request: GenerationRequest & { schema: GbnfJsonSchema }): Promise<GenerationResult<unknown>>;
  /** Free text constrained by a GBNF grammar. */
  generateText(request: GenerationRequest & { grammar: string }): Promise<GenerationResult<string>>;
  /**
   * Free text, during which the model may call the given functions (node-llama-cpp
   * chat-session functions). Optional until every model backend supports it.
   */
  generateWithFunctions?(
    request: GenerationRequest & { functions: Record<string, ModelFunction> },
  ): Promise<GenerationResult<string> & { calls: FunctionCallRecord[] }>;
  /** Unconstrained text (the OpenAI-compatible endpoint serves it). Optional: not every backend exposes it. */
  complete?(request: GenerationRequest): Promise<GenerationResult<string>>;
  /** One vector per text, from the same weights. Optional: API chat models may not embed. */
  embed?(texts: readonly string[]): Promise<number[][]>;
  close(): Promise<void>;
}
