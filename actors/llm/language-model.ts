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
  /**
   * Free text, during which the model may call the given functions (node-llama-cpp
   * chat-session functions). Optional until every model backend supports it.
   */
  generateWithFunctions?(
    request: GenerationRequest & { functions: Record<string, ModelFunction> },
  ): Promise<GenerationResult<string> & { calls: FunctionCallRecord[] }>;
  close(): Promise<void>;
}
