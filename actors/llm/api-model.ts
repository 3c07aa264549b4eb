import type { GbnfJsonSchema } from 'node-llama-cpp';
import { ProtocolError } from '../../proto/index.js';
import type { ApiAnswer, ApiCall, ApiTool, ApiTransport, ChatTurn, ToolCall } from './api-transport.js';
import { jsonInstruction, parseJsonAnswer } from './json-answer.js';
import type { FunctionCallRecord, GenerationRequest, GenerationResult, LanguageModel, ModelFunction } from './language-model.js';

export interface Pricing {
  inputPerMTok: number;
  outputPerMTok: number;
}

export interface ApiModelOptions {
  /** Tries for a JSON answer that validates; each retry shows the model what was wrong. */
  jsonAttempts?: number;
  /** Rounds of function calls before the model must have answered. */
  maxToolRounds?: number;
  pricing?: Pricing;
}

interface Usage {
  input: number;
  output: number;
  truncated?: boolean;
}

export function costOf(pricing: Pricing | undefined, inputTokens: number, outputTokens: number): number {
  if (!pricing) return 0;
  return (inputTokens * pricing.inputPerMTok + outputTokens * pricing.outputPerMTok) / 1_000_000;
}

/**
 * A LanguageModel over an HTTP chat API. A server cannot be made to follow a
 * GBNF grammar, so structured answers are asked for (with the schema, and the
 * server's own JSON-schema mode where it has one), validated here, and asked
 * for again with the validation error when they fail.
 */
export class ApiLanguageModel implements LanguageModel {
  readonly name: string;
  readonly #transport: ApiTransport;
  readonly #jsonAttempts: number;
  readonly #pricing: Pricing | undefined;
  readonly #maxToolRounds: number;

  constructor(transport: ApiTransport, options: ApiModelOptions = {}) {
    this.#transport = transport;
    this.name = transport.name;
    this.#jsonAttempts = options.jsonAttempts ?? 3;
    this.#pricing = options.pricing;
    this.#maxToolRounds = options.maxToolRounds ?? 8;
  }

  async generateJson(request: GenerationRequest & { schema: GbnfJsonSchema }): Promise<GenerationResult<unknown>> {
    const messages: ChatTurn[] = [{ role: 'user', content: `${request.prompt}\n\n${jsonInstruction(request.schema)}` }];
    const usage: Usage = { input: 0, output: 0 };
    let lastError: ProtocolError | null = null;
    for (let attempt = 0; attempt < this.#jsonAttempts; attempt++) {
      const answer = await this.#call(request, messages, usage, request.schema);
      try {
        const value = parseJsonAnswer(answer.text, request.schema);
        return this.#result(value, usage);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        lastError = error;
        messages.push({ role: 'assistant', content: answer.text }, { role: 'user', content: `${error.message}. Answer again with valid JSON only.` });
      }
    }
    throw new ProtocolError(
      'model_output_invalid',
      `${this.name} gave no valid JSON in ${this.#jsonAttempts} tries; last problem: ${lastError?.message ?? 'none'}`,
      { tokens: usage.output },
    );
  }

  async generateText(request: GenerationRequest & { grammar: string }): Promise<GenerationResult<string>> {
    // Where the server cannot decode under the grammar, it is shown to the model; the caller
    // parses the answer (e.g. file sections) and reports a shape it cannot read.
    const prompt = this.#transport.serverGrammar
      ? request.prompt
      : `${request.prompt}\n\nYour answer must follow this GBNF grammar exactly:\n${request.grammar}`;
    const usage: Usage = { input: 0, output: 0 };
    const answer = await this.#call(request, [{ role: 'user', content: prompt }], usage, undefined, request.grammar);
    return this.#result(answer.text, usage);
  }

  /**
   * The protocol's own function calling: the model answers with calls, each
   * runs here (its result or error goes back as the call's answer), and the
   * conversation goes on until the model answers in text, the token budget
   * is spent, or `maxToolRounds` rounds have passed. The calls made so far
   * are returned in every case, since they are what the caller wants.
   */
  async generateWithFunctions(
    request: GenerationRequest & { functions: Record<string, ModelFunction> },
  ): Promise<GenerationResult<string> & { calls: FunctionCallRecord[] }> {
    const tools: ApiTool[] = Object.entries(request.functions).map(([name, f]) => ({ name, description: f.description, parameters: f.parameters }));
    const messages: ChatTurn[] = [{ role: 'user', content: request.prompt }];
    const usage: Usage = { input: 0, output: 0 };
    const calls: FunctionCallRecord[] = [];
    for (let round = 0; round < this.#maxToolRounds; round++) {
      request.signal?.throwIfAborted();
      const budget = request.maxTokens - usage.output;
      if (budget <= 0) break;
      const answer = await this.#call({ ...request, maxTokens: budget, allowTruncated: true }, messages, usage, undefined, undefined, tools);
      if (answer.toolCalls.length === 0 || answer.truncated) return { ...this.#result(answer.text, usage), calls };
      messages.push({ role: 'assistant', content: answer.text, toolCalls: answer.toolCalls });
      for (const call of answer.toolCalls) {
        const result = await runCall(call, request.functions);
        calls.push({ name: call.name, args: call.args, result });
        messages.push({ role: 'tool', toolCallId: call.id, content: JSON.stringify(result) ?? 'null' });
      }
    }
    return { ...this.#result('', { ...usage, truncated: true }), calls };
  }

  async complete(request: GenerationRequest): Promise<GenerationResult<string>> {
    const usage: Usage = { input: 0, output: 0 };
    const answer = await this.#call(request, [{ role: 'user', content: request.prompt }], usage);
    return this.#result(answer.text, usage);
  }

  async close(): Promise<void> {}

  async #call(request: GenerationRequest, messages: ChatTurn[], usage: Usage, jsonSchema?: GbnfJsonSchema, grammar?: string, tools?: ApiTool[]): Promise<ApiAnswer> {
    const call: ApiCall = {
      system: request.system,
      messages,
      maxTokens: request.maxTokens,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
      ...(jsonSchema && this.#transport.serverJsonSchema ? { jsonSchema } : {}),
      ...(grammar && this.#transport.serverGrammar ? { grammar } : {}),
      ...(tools?.length ? { tools } : {}),
    };
    const answer = await this.#transport.call(call);
    usage.input += answer.inputTokens;
    usage.output += answer.outputTokens;
    request.onProgress?.(usage.output);
    if (answer.truncated && !request.allowTruncated) {
      throw new ProtocolError('model_output_invalid', `${this.name} used its whole budget of ${request.maxTokens} tokens before finishing its answer`, { maxTokens: request.maxTokens }, { tokens: usage.output });
    }
    request.onText?.(answer.text);
    if (answer.truncated) usage.truncated = true;
    return answer;
  }

  #result<T>(value: T, usage: Usage): GenerationResult<T> {
    return {
      value,
      tokens: usage.output,
      promptTokens: usage.input,
      costUsd: costOf(this.#pricing, usage.input, usage.output),
      ...(usage.truncated ? { truncated: true } : {}),
    };
  }
}

/** A call's answer for the model: the function's result, or what was wrong with the call. */
async function runCall(call: ToolCall, functions: Record<string, ModelFunction>): Promise<unknown> {
  const fn = Object.hasOwn(functions, call.name) ? functions[call.name] : undefined;
  if (!fn) return { error: `there is no function "${call.name}"; the functions are: ${Object.keys(functions).join(', ')}` };
  if (call.argsError) return { error: call.argsError };
  try {
    return await fn.handler(call.args);
  } catch (error) {
    // Handlers return their errors, but one that throws must not end the phase.
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
