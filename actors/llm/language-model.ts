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
}

export interface GenerationResult<T> {
  value: T;
  tokens: number;
}

/**
 * What actors need from a model. Every answer is decoded under a grammar, so
 * a weak model can produce garbage content but never an unparseable shape.
 */
export interface LanguageModel {
  readonly name: string;
  generateJson(request: GenerationRequest & { schema: GbnfJsonSchema }): Promise<GenerationResult<unknown>>;
  /** Free text constrained by a GBNF grammar. */
  generateText(request: GenerationRequest & { grammar: string }): Promise<GenerationResult<string>>;
  close(): Promise<void>;
}
