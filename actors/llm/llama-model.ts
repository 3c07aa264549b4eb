import { statSync } from 'node:fs';
import { basename } from 'node:path';
import {
  getLlama,
  LlamaChatSession,
  LlamaLogLevel,
  type GbnfJsonSchema,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { ProtocolError } from '../../proto/index.js';
import type { GenerationRequest, GenerationResult, LanguageModel } from './language-model.js';
import { ResourcePool } from './resource-pool.js';

export type GpuSetting = 'auto' | 'cuda' | 'vulkan' | 'metal' | false;

export interface LlamaModelOptions {
  modelPath: string;
  gpu: GpuSetting;
  contextSize: number;
  /** Parallel generations; each gets its own context sequence. */
  sequences: number;
  /** Omit to choose from the model's size. */
  threads?: number;
}

/** Small models are memory-bound: on 2 cores the tiny fixture decodes ~75x faster on 1 thread. */
const SMALL_MODEL_BYTES = 256 * 1024 * 1024;

export function defaultThreads(modelPath: string): number {
  return statSync(modelPath).size < SMALL_MODEL_BYTES ? 1 : 0;
}

/** One loaded model shared by every actor in the daemon, through a pool of sequences. */
export class LlamaLanguageModel implements LanguageModel {
  readonly name: string;
  readonly #llama: Llama;
  readonly #model: LlamaModel;
  readonly #context: LlamaContext;
  readonly #pool: ResourcePool<LlamaContextSequence>;
  readonly #grammars = new Map<string, Promise<LlamaGrammar>>();

  private constructor(llama: Llama, model: LlamaModel, context: LlamaContext, name: string) {
    this.#llama = llama;
    this.#model = model;
    this.#context = context;
    this.name = name;
    const sequences = Array.from({ length: context.totalSequences }, () => context.getSequence());
    this.#pool = new ResourcePool(sequences);
  }

  static async load(options: LlamaModelOptions): Promise<LlamaLanguageModel> {
    const llama = await getLlama({ gpu: options.gpu, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: options.modelPath });
    const context = await model.createContext({
      sequences: Math.max(1, options.sequences),
      contextSize: Math.min(options.contextSize, model.trainContextSize),
      threads: options.threads ?? defaultThreads(options.modelPath),
    });
    return new LlamaLanguageModel(llama, model, context, basename(options.modelPath));
  }

  async generateJson(request: GenerationRequest & { schema: GbnfJsonSchema }): Promise<GenerationResult<unknown>> {
    const key = `json:${JSON.stringify(request.schema)}`;
    const grammar = await this.#grammar(key, () =>
      this.#llama.createGrammarForJsonSchema<GbnfJsonSchema>(request.schema),
    );
    const { value: text, tokens } = await this.#generate(request, grammar);
    try {
      return { value: JSON.parse(text) as unknown, tokens };
    } catch (error) {
      throw new ProtocolError('model_output_invalid', `model answer is not valid JSON: ${String(error)}`, undefined, {
        cause: error,
      });
    }
  }

  async generateText(request: GenerationRequest & { grammar: string }): Promise<GenerationResult<string>> {
    const grammar = await this.#grammar(`gbnf:${request.grammar}`, () =>
      this.#llama.createGrammar({ grammar: request.grammar }),
    );
    return this.#generate(request, grammar);
  }

  async close(): Promise<void> {
    await this.#context.dispose();
    await this.#model.dispose();
    await this.#llama.dispose();
  }

  #grammar(key: string, create: () => Promise<LlamaGrammar>): Promise<LlamaGrammar> {
    let grammar = this.#grammars.get(key);
    if (!grammar) {
      grammar = create();
      this.#grammars.set(key, grammar);
    }
    return grammar;
  }

  #generate(request: GenerationRequest, grammar: LlamaGrammar): Promise<GenerationResult<string>> {
    return this.#pool.use(async (sequence) => {
      request.signal?.throwIfAborted();
      const session = new LlamaChatSession({
        contextSequence: sequence,
        systemPrompt: request.system,
        autoDisposeSequence: false,
      });
      let tokens = 0;
      try {
        const result = await session.promptWithMeta(request.prompt, {
          grammar,
          maxTokens: request.maxTokens,
          signal: request.signal,
          ...(request.temperature ? { temperature: request.temperature, seed: request.seed } : {}),
          onToken: (chunk: Token[]) => {
            tokens += chunk.length;
            request.onProgress?.(tokens);
          },
        });
        if (result.stopReason === 'maxTokens') {
          throw new ProtocolError(
            'model_output_invalid',
            `the model used its whole budget of ${request.maxTokens} tokens before finishing its answer`,
            { maxTokens: request.maxTokens, tokens },
          );
        }
        return { value: result.responseText, tokens };
      } catch (error) {
        if (request.signal?.aborted) throw new ProtocolError('cancelled', 'generation cancelled', undefined, { cause: error });
        throw error;
      } finally {
        session.dispose({ disposeSequence: false });
        await sequence.clearHistory();
      }
    });
  }
}
