import { basename } from 'node:path';
import type {
  ChatSessionModelFunction,
  ChatSessionModelFunctions,
  GbnfJsonSchema,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaGrammar,
  LlamaModel,
  Token,
} from 'node-llama-cpp';
import { ProtocolError } from '../../proto/index.js';
import { assertFitsContext } from './context-guard.js';
import type { FunctionCallRecord, GenerationRequest, GenerationResult, LanguageModel, ModelFunction } from './language-model.js';
import { loadLlamaCpp } from './llama-cpp.js';
import { defaultThreads, LlamaRuntime, type GpuSetting } from './llama-runtime.js';
import { ResourcePool } from './resource-pool.js';

export { defaultThreads, type GpuSetting } from './llama-runtime.js';

export interface LlamaContextOptions {
  contextSize: number;
  /** Parallel generations; each gets its own context sequence. */
  sequences: number;
  /** Omit to choose from the model's size. */
  threads?: number;
  /** The name shown by /v1/models; the file name by default. */
  name?: string;
}

export interface LlamaModelOptions extends LlamaContextOptions {
  modelPath: string;
  gpu: GpuSetting;
}

/** A grammar or functions, never both: node-llama-cpp decodes function calls under a grammar of its own. */
type Constraint = { grammar?: LlamaGrammar } | { functions: ChatSessionModelFunctions };

/**
 * A loaded model's context shared by every actor of one role, through a pool
 * of sequences. A sequence keeps what it evaluated between requests, so a
 * request whose system prompt the sequence already holds evaluates only the
 * new suffix (node-llama-cpp compares the tokens and erases from the first
 * difference), and the pool hands such a sequence out by preference.
 */
export class LlamaLanguageModel implements LanguageModel {
  readonly name: string;
  readonly contextSize: number;
  readonly #model: LlamaModel;
  readonly #context: LlamaContext;
  readonly #runtime: LlamaRuntime;
  readonly #ownsRuntime: boolean;
  readonly #pool: ResourcePool<LlamaContextSequence>;
  readonly #systemOf = new Map<LlamaContextSequence, string>();
  readonly #grammars = new Map<string, Promise<LlamaGrammar>>();
  #embedding: Promise<LlamaEmbeddingContext> | null = null;

  private constructor(runtime: LlamaRuntime, ownsRuntime: boolean, model: LlamaModel, context: LlamaContext, name: string) {
    this.#runtime = runtime;
    this.#ownsRuntime = ownsRuntime;
    this.#model = model;
    this.#context = context;
    this.name = name;
    this.contextSize = context.contextSize;
    const sequences = Array.from({ length: context.totalSequences }, () => context.getSequence());
    this.#pool = new ResourcePool(sequences);
  }

  /** Loads the model with a llama.cpp binding of its own, closed with it. */
  static async load(options: LlamaModelOptions): Promise<LlamaLanguageModel> {
    const runtime = await LlamaRuntime.create(options.gpu);
    try {
      return await LlamaLanguageModel.create(runtime, options.modelPath, options, true);
    } catch (error) {
      await runtime.dispose();
      throw error;
    }
  }

  /** A context on a model the runtime shares with other roles. */
  static async create(runtime: LlamaRuntime, modelPath: string, options: LlamaContextOptions, ownsRuntime = false): Promise<LlamaLanguageModel> {
    const model = await runtime.model(modelPath);
    const context = await model.createContext({
      sequences: Math.max(1, options.sequences),
      contextSize: Math.min(options.contextSize, model.trainContextSize),
      threads: options.threads ?? defaultThreads(modelPath, runtime.llama.cpuMathCores),
    });
    return new LlamaLanguageModel(runtime, ownsRuntime, model, context, options.name ?? basename(modelPath));
  }

  countTokens(text: string): number {
    return this.#model.tokenize(text).length;
  }

  async generateJson(request: GenerationRequest & { schema: GbnfJsonSchema }): Promise<GenerationResult<unknown>> {
    const key = `json:${JSON.stringify(request.schema)}`;
    const grammar = await this.#grammar(key, () => this.#runtime.llama.createGrammarForJsonSchema<GbnfJsonSchema>(request.schema));
    const result = await this.#generate(request, { grammar });
    // Cut off by the budget (only with allowTruncated): the partial text is all there is.
    if (result.truncated) return result;
    try {
      return { ...result, value: JSON.parse(result.value) as unknown };
    } catch (error) {
      throw new ProtocolError('model_output_invalid', `model answer is not valid JSON: ${String(error)}`, undefined, { cause: error });
    }
  }

  async generateText(request: GenerationRequest & { grammar: string }): Promise<GenerationResult<string>> {
    const grammar = await this.#grammar(`gbnf:${request.grammar}`, () => this.#runtime.llama.createGrammar({ grammar: request.grammar }));
    return this.#generate(request, { grammar });
  }

  complete(request: GenerationRequest): Promise<GenerationResult<string>> {
    return this.#generate(request, {});
  }

  async generateWithFunctions(
    request: GenerationRequest & { functions: Record<string, ModelFunction> },
  ): Promise<GenerationResult<string> & { calls: FunctionCallRecord[] }> {
    const calls: FunctionCallRecord[] = [];
    const entries = Object.entries(request.functions).map(([name, fn]): [string, ChatSessionModelFunction] => {
      const definition: ChatSessionModelFunction = {
        description: fn.description,
        params: fn.parameters,
        handler: async (args: unknown) => {
          // A failing tool is the model's problem to recover from, not the generation's.
          const result = await fn.handler(args).catch((error: unknown) => ({ error: String(error) }));
          calls.push({ name, args, result });
          return result;
        },
      };
      return [name, definition];
    });
    const functions: ChatSessionModelFunctions = Object.fromEntries(entries);
    const result = await this.#generate(request, { functions });
    return { ...result, calls };
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    this.#embedding ??= this.#model.createEmbeddingContext({ contextSize: Math.min(this.contextSize, 2048) });
    const context = await this.#embedding;
    const vectors: number[][] = [];
    for (const text of texts) {
      if (this.countTokens(text) >= 2048) {
        throw new ProtocolError('context_overflow', 'a text to embed is longer than the embedding context (2048 tokens)');
      }
      vectors.push([...(await context.getEmbeddingFor(text)).vector]);
    }
    return vectors;
  }

  async close(): Promise<void> {
    await (await this.#embedding?.catch(() => null))?.dispose();
    await this.#context.dispose();
    if (this.#ownsRuntime) await this.#runtime.dispose();
  }

  #grammar(key: string, create: () => Promise<LlamaGrammar>): Promise<LlamaGrammar> {
    let grammar = this.#grammars.get(key);
    if (!grammar) {
      grammar = create();
      this.#grammars.set(key, grammar);
    }
    return grammar;
  }

  #generate(request: GenerationRequest, constraint: Constraint): Promise<GenerationResult<string>> {
    const promptTokens = this.countTokens(request.system) + this.countTokens(request.prompt);
    assertFitsContext({ contextSize: this.contextSize, promptTokens, maxTokens: request.maxTokens });
    return this.#pool.use(
      async (sequence) => {
        const { LlamaChatSession } = await loadLlamaCpp();
        const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: request.system, autoDisposeSequence: false });
        let tokens = 0;
        let completed = false;
        const inputBefore = sequence.tokenMeter.usedInputTokens;
        // What the prompt cost: the meter's input count when the first answer token arrives, before answer tokens are fed back.
        let promptTokensEvaluated: number | undefined;
        try {
          // A request cancelled while it waited for a sequence ends here, as 'cancelled'.
          request.signal?.throwIfAborted();
          const common = {
            maxTokens: request.maxTokens,
            signal: request.signal,
            ...(request.temperature ? { temperature: request.temperature, seed: request.seed } : {}),
            ...(request.onText ? { onTextChunk: request.onText } : {}),
            onToken: (chunk: Token[]) => {
              promptTokensEvaluated ??= sequence.tokenMeter.usedInputTokens - inputBefore;
              tokens += chunk.length;
              request.onProgress?.(tokens);
            },
          };
          const result =
            'functions' in constraint
              ? await session.promptWithMeta(request.prompt, { ...common, functions: constraint.functions })
              : await session.promptWithMeta(request.prompt, { ...common, ...(constraint.grammar ? { grammar: constraint.grammar } : {}) });
          const truncated = result.stopReason === 'maxTokens';
          if (truncated && !request.allowTruncated) {
            throw new ProtocolError(
              'model_output_invalid',
              `the model used its whole budget of ${request.maxTokens} tokens before finishing its answer`,
              { maxTokens: request.maxTokens },
              { tokens },
            );
          }
          completed = true;
          return { value: result.responseText, tokens, promptTokens, ...(promptTokensEvaluated !== undefined ? { promptTokensEvaluated } : {}), costUsd: 0, ...(truncated ? { truncated } : {}) };
        } catch (error) {
          if (request.signal?.aborted) throw new ProtocolError('cancelled', 'generation cancelled', undefined, { cause: error });
          throw error;
        } finally {
          session.dispose({ disposeSequence: false });
          // Keep the evaluated prefix for the next request with this system prompt; an
          // aborted or failed evaluation may have left the state mid-way, so drop it.
          if (completed) this.#systemOf.set(sequence, request.system);
          else {
            this.#systemOf.delete(sequence);
            await sequence.clearHistory();
          }
        }
      },
      (sequence) => this.#systemOf.get(sequence) === request.system,
    );
  }
}
