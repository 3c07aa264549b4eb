import { join } from 'node:path';
import type { GpuReport } from '../actors/llm/llama-runtime.js';
import { DEFAULT_EMBEDDING_FOLDER, type ModelsView } from '../proto/index.js';
import type { DaemonConfig } from './config.js';
import { createRoleHandle, sharedRuntime, type ModelHandle } from './model-loader.js';

/** Defined in proto/ so the CLI's help names it without loading the daemon. */
export { DEFAULT_EMBEDDING_FOLDER } from '../proto/index.js';

export interface ModelRegistry {
  /** Plans jobs (planJob). */
  readonly master: ModelHandle;
  /** Writes the files of tasks (worker actors). */
  readonly worker: ModelHandle;
  /** A transformers.js model folder for memory embeddings. */
  readonly embeddingPath: string;
  /** Where `autodev models pull` saves. */
  readonly modelsDir: string;
  /** The llama.cpp backend in use, once a local model has loaded; null before. */
  gpu(): Promise<GpuReport | null>;
  /** What /health reports: each role's provider, model and context size, and the backend. */
  describe(): ModelsView;
  close(): Promise<void>;
}

export interface ModelRegistryOptions {
  home: string;
  /** Parallel generations of the worker role (one context sequence each). */
  workerSequences: number;
  /** The master plans one job at a time per sequence. */
  masterSequences?: number;
}

/**
 * The registry of model roles. Each role is configured on its own (file, env,
 * flags; see model-config.ts) and gets its own context, sized per role; local
 * roles share one llama.cpp runtime and, when they name the same GGUF, its weights.
 */
export function createModelRegistry(config: DaemonConfig, options: ModelRegistryOptions): ModelRegistry {
  const runtime = sharedRuntime(config);
  let runtimeStarted = false;
  let backend: ModelsView['gpu'] = null;
  const get = async () => {
    runtimeStarted = true;
    const started = await runtime.get();
    backend = started.llama.gpu;
    return started;
  };
  const master = createRoleHandle('master', config, options.masterSequences ?? 1, get);
  const worker = createRoleHandle('worker', config, options.workerSequences, get);
  const modelsDir = config.models.dir ?? join(options.home, 'models');
  return {
    master,
    worker,
    modelsDir,
    embeddingPath: config.models.embedding ?? join(modelsDir, DEFAULT_EMBEDDING_FOLDER),
    async gpu() {
      if (!runtimeStarted) return null;
      return (await get()).gpuReport();
    },
    describe() {
      const role = (handle: ModelHandle) => ({
        provider: handle.provider,
        name: handle.name,
        contextSize: handle.provider === 'local' ? (config.models[handle.role].contextSize ?? config.contextSize) : null,
      });
      return {
        master: role(master),
        worker: role(worker),
        embedding: config.models.embedding ?? join(modelsDir, DEFAULT_EMBEDDING_FOLDER),
        gpu: backend,
      };
    },
    async close() {
      await master.close();
      await worker.close();
      await runtime.close();
    },
  };
}
