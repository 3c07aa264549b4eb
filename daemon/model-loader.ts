import { existsSync } from 'node:fs';
import { ProtocolError } from '../proto/index.js';
import { ApiLanguageModel } from '../actors/llm/api-model.js';
import { AnthropicTransport } from '../actors/llm/anthropic-transport.js';
import type { LanguageModel } from '../actors/llm/language-model.js';
import { LlamaLanguageModel } from '../actors/llm/llama-model.js';
import { LlamaRuntime, type GpuSetting } from '../actors/llm/llama-runtime.js';
import { OpenAiTransport } from '../actors/llm/openai-transport.js';
import { ReplayLanguageModel } from '../actors/llm/replay-model.js';
import { MODEL_HOWTO, type DaemonConfig } from './config.js';
import type { ModelProvider } from './model-config.js';

export type ModelRole = 'master' | 'worker';

export interface ModelHandle {
  readonly role: ModelRole;
  readonly provider: ModelProvider;
  /** The local model's or the replay recording's path, or null (API models, or nothing configured). */
  readonly path: string | null;
  /** What /v1/models and `autodev models list` show: the file (GGUF or recording) or the API model's name. */
  readonly name: string | null;
  assertConfigured(): void;
  /** Loads on first use and shares the one instance afterwards. */
  get(): Promise<LanguageModel>;
  close(): Promise<void>;
}

const DEFAULT_BASE_URL: Record<Exclude<ModelProvider, 'local' | 'replay'>, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
};

export function gpuSetting(config: DaemonConfig): GpuSetting {
  return config.gpu === 'cpu' ? false : config.gpu;
}

/**
 * One role's model. Local roles load a context on the shared runtime (so two
 * roles on one GGUF share its weights); API roles build a client. Nothing is
 * loaded until the first `get()`, so the daemon answers before a large model
 * is in memory.
 */
export function createRoleHandle(
  role: ModelRole,
  config: DaemonConfig,
  sequences: number,
  runtime: () => Promise<LlamaRuntime>,
): ModelHandle {
  const settings = config.models[role];
  const provider = settings.provider;
  // A replay role never falls back to the top-level "model": that is a GGUF, not a recording.
  const path = provider === 'local' ? (settings.path ?? config.model ?? null) : provider === 'replay' ? (settings.path ?? null) : null;
  if (path && !existsSync(path)) {
    throw new ProtocolError('model_unavailable', `the ${role} model file ${path} does not exist; fix the path or run: autodev models pull URI`);
  }
  const name = provider === 'local' || provider === 'replay' ? path : (settings.model ?? null);
  const assertConfigured = () => {
    if (provider === 'local' && !path) throw new ProtocolError('model_not_configured', MODEL_HOWTO);
    if (provider === 'replay' && !path) throw new ProtocolError('model_not_configured', `models.${role}.path must name the replay recording (a recording.json)`);
    if (provider !== 'local' && provider !== 'replay' && !settings.model) {
      throw new ProtocolError('model_not_configured', `models.${role}.model must name the ${provider} model to use (e.g. in config.json)`);
    }
  };
  let loading: Promise<LanguageModel> | null = null;
  const load = async (): Promise<LanguageModel> => {
    if (provider === 'local') {
      return LlamaLanguageModel.create(await runtime(), path as string, {
        contextSize: settings.contextSize ?? config.contextSize,
        sequences,
        name: role,
        ...(config.threads !== undefined ? { threads: config.threads } : {}),
      });
    }
    if (provider === 'replay') return ReplayLanguageModel.load(path as string);
    const endpoint = {
      baseUrl: settings.baseUrl ?? DEFAULT_BASE_URL[provider],
      model: settings.model as string,
      timeoutMs: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      sendGrammar: settings.sendGrammar,
      ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    };
    const transport = provider === 'openai' ? new OpenAiTransport(endpoint) : new AnthropicTransport(endpoint);
    return new ApiLanguageModel(transport, settings.pricing ? { pricing: settings.pricing } : {});
  };
  return {
    role,
    provider,
    path,
    name,
    assertConfigured,
    get() {
      assertConfigured();
      loading ??= load().catch((error: unknown) => {
        loading = null;
        if (error instanceof ProtocolError) throw error;
        throw new ProtocolError('model_unavailable', `could not load the ${role} model ${name ?? ''}: ${String(error)}`, undefined, { cause: error });
      });
      return loading;
    },
    async close() {
      const model = await loading?.catch(() => null);
      await model?.close();
      loading = null;
    },
  };
}

/** Lazily creates one llama.cpp runtime, shared by every local role. */
export function sharedRuntime(config: DaemonConfig): { get: () => Promise<LlamaRuntime>; close: () => Promise<void> } {
  let runtime: Promise<LlamaRuntime> | null = null;
  return {
    get: () => {
      runtime ??= LlamaRuntime.create(gpuSetting(config)).catch((error: unknown) => {
        runtime = null;
        throw error;
      });
      return runtime;
    },
    close: async () => {
      await (await runtime?.catch(() => null))?.dispose();
      runtime = null;
    },
  };
}

/** The worker role's model with a runtime of its own: what `autodevd worker` processes use. */
export function createModelHandle(config: DaemonConfig, sequences: number): ModelHandle {
  const runtime = sharedRuntime(config);
  const handle = createRoleHandle('worker', config, sequences, runtime.get);
  return {
    ...handle,
    async close() {
      await handle.close();
      await runtime.close();
    },
  };
}
