import { statSync } from 'node:fs';
import type { Llama, LlamaGpuType, LlamaModel } from 'node-llama-cpp';
import { loadLlamaCpp } from './llama-cpp.js';

export type GpuSetting = 'auto' | 'cuda' | 'vulkan' | 'metal' | false;

/** Small models are memory-bound: on 2 cores the tiny fixture decodes ~75x faster on 1 thread. */
const SMALL_MODEL_BYTES = 256 * 1024 * 1024;

/**
 * Threads for a model: 1 for small models (memory-bound, where a second
 * thread mostly contends for the same bandwidth), else the physical cores
 * llama.cpp counts for math. 0 lets llama.cpp choose.
 */
export function defaultThreads(modelPath: string, mathCores = 0): number {
  return statSync(modelPath).size < SMALL_MODEL_BYTES ? 1 : mathCores;
}

export interface GpuReport {
  /** The backend in use: cuda, vulkan, metal, or false for CPU. */
  active: LlamaGpuType;
  /** Backends node-llama-cpp has binaries for on this platform, best first. */
  available: LlamaGpuType[];
}

/**
 * One llama.cpp binding per process and each GGUF's weights loaded once: two
 * roles that name the same file share the weights and differ only in their
 * contexts (size, sequences).
 */
export class LlamaRuntime {
  readonly llama: Llama;
  readonly #models = new Map<string, Promise<LlamaModel>>();

  private constructor(llama: Llama) {
    this.llama = llama;
  }

  static async create(gpu: GpuSetting): Promise<LlamaRuntime> {
    const { getLlama, LlamaLogLevel } = await loadLlamaCpp();
    return new LlamaRuntime(await getLlama({ gpu, logLevel: LlamaLogLevel.error }));
  }

  async gpuReport(): Promise<GpuReport> {
    const { getLlamaGpuTypes } = await loadLlamaCpp();
    return { active: this.llama.gpu, available: await getLlamaGpuTypes('supported') };
  }

  model(modelPath: string): Promise<LlamaModel> {
    let model = this.#models.get(modelPath);
    if (!model) {
      model = this.llama.loadModel({ modelPath });
      model.catch(() => this.#models.delete(modelPath));
      this.#models.set(modelPath, model);
    }
    return model;
  }

  async dispose(): Promise<void> {
    for (const model of this.#models.values()) await (await model.catch(() => null))?.dispose();
    this.#models.clear();
    await this.llama.dispose();
  }
}
