import { existsSync } from 'node:fs';
import { ProtocolError } from '../proto/index.js';
import type { LanguageModel } from '../actors/llm/language-model.js';
import { LlamaLanguageModel, type GpuSetting } from '../actors/llm/llama-model.js';
import { MODEL_HOWTO, type DaemonConfig } from './config.js';

export interface ModelHandle {
  /** The configured model's path, or null. */
  readonly path: string | null;
  assertConfigured(): void;
  /** Loads on first use and shares the one instance afterwards. */
  get(): Promise<LanguageModel>;
  close(): Promise<void>;
}

export function createModelHandle(config: DaemonConfig, sequences: number): ModelHandle {
  const path = config.model ?? null;
  if (path && !existsSync(path)) {
    throw new ProtocolError('model_unavailable', `the configured model file ${path} does not exist; fix the path or run scripts/setup.sh`);
  }
  let loading: Promise<LanguageModel> | null = null;
  const assertConfigured = () => {
    if (!path) throw new ProtocolError('model_not_configured', MODEL_HOWTO);
  };
  return {
    path,
    assertConfigured,
    get() {
      assertConfigured();
      loading ??= LlamaLanguageModel.load({
        modelPath: path as string,
        gpu: (config.gpu === 'cpu' ? false : config.gpu) satisfies GpuSetting,
        contextSize: config.contextSize,
        sequences,
        ...(config.threads !== undefined ? { threads: config.threads } : {}),
      }).catch((error: unknown) => {
        loading = null;
        throw new ProtocolError('model_unavailable', `could not load ${path}: ${String(error)}`, undefined, { cause: error });
      });
      return loading;
    },
    async close() {
      const model = await loading?.catch(() => null);
      await model?.close();
    },
  };
}
