import { resolve } from 'node:path';
import { z } from 'zod';

/** `replay` answers from a recording (proto/recording.ts) named by `path`: recorded answers for tests and the demo, not a model. */
export const ModelProvider = z.enum(['local', 'openai', 'anthropic', 'replay']);
export type ModelProvider = z.infer<typeof ModelProvider>;

/** US dollars per million tokens; what `autodev status` multiplies token counts by. */
export const ModelPricing = z
  .object({
    inputPerMTok: z.number().nonnegative().describe('US dollars per million input (prompt) tokens'),
    outputPerMTok: z.number().nonnegative().describe('US dollars per million output (generated) tokens'),
  })
  .strict();
export type ModelPricing = z.infer<typeof ModelPricing>;

/** One role's model: a local GGUF, or an HTTP API (OpenAI-compatible or Anthropic Messages). */
export const ModelRoleConfig = z
  .object({
    provider: ModelProvider.default('local').describe('local GGUF, an OpenAI-compatible or Anthropic HTTP API, or replay: recorded answers for tests and the demo, never for real work'),
    path: z.string().min(1).optional().describe('local GGUF file (falls back to the top-level "model"), or the replay recording\'s JSON'),
    contextSize: z.number().int().min(512).optional().describe('this role\'s context window; falls back to "contextSize"'),
    baseUrl: z.url().optional().describe('API base, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1'),
    model: z.string().min(1).optional().describe('the API\'s model name'),
    apiKey: z.string().min(1).optional().describe('prefer apiKeyEnv: a key in config.json is a key on disk'),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional()
      .describe('environment variable that holds the API key; unset: OPENAI_API_KEY or ANTHROPIC_API_KEY by provider'),
    timeoutMs: z.number().int().min(1000).default(120_000).describe('time one API call may take, in ms'),
    maxRetries: z.number().int().min(0).max(10).default(3).describe('retries of a failed API call, with exponential backoff, honouring Retry-After'),
    sendGrammar: z
      .boolean()
      .default(false)
      .describe("send GBNF grammars to the API server (llama.cpp's server, another autodevd); OpenAI itself rejects them"),
    pricing: ModelPricing.optional().describe('what `autodev status` multiplies token counts by'),
  })
  .strict();
export type ModelRoleConfig = z.infer<typeof ModelRoleConfig>;

export const ModelsConfig = z
  .object({
    master: ModelRoleConfig.prefault({}).describe('the model the Master plans with'),
    worker: ModelRoleConfig.prefault({}).describe('the model workers write code with'),
    embedding: z
      .string()
      .min(1)
      .optional()
      .describe('a transformers.js model folder for memory embeddings (also AUTODEV_EMBEDDING_MODEL); unset: `<dir>/all-MiniLM-L6-v2`'),
    dir: z.string().min(1).optional().describe('where `autodev models pull` saves; unset: `<home>/models`'),
    hfEndpoint: z.url().optional().describe('base of `hf:` URIs, a mirror or a test server (also AUTODEV_HF_ENDPOINT); unset: https://huggingface.co/'),
  })
  .strict();
export type ModelsConfig = z.infer<typeof ModelsConfig>;

export interface ModelOverrides {
  masterModel?: string;
  workerModel?: string;
  embeddingModel?: string;
}

const DEFAULT_KEY_ENV: Record<ModelProvider, string | null> = {
  local: null,
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  replay: null,
};

function objectAt(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = record[key];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { ...(value as Record<string, unknown>) };
  return {};
}

/**
 * Folds the environment and flags into the raw `models` section before it is
 * validated (later wins), and resolves relative paths: from config.json
 * against the home folder, from env and flags against the working folder.
 * API keys come from the environment variable the role names, so config.json
 * need not hold a secret.
 */
export function mergeModelSources(raw: unknown, home: string, env: NodeJS.ProcessEnv, flags: ModelOverrides): Record<string, unknown> | unknown {
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) return raw;
  const models: Record<string, unknown> = { ...(raw as Record<string, unknown> | undefined) };
  for (const key of ['embedding', 'dir'] as const) {
    if (typeof models[key] === 'string' && models[key]) models[key] = resolve(home, models[key]);
  }
  const roles = { master: objectAt(models, 'master'), worker: objectAt(models, 'worker') };
  for (const role of Object.values(roles)) if (typeof role.path === 'string' && role.path) role.path = resolve(home, role.path);
  if (env.AUTODEV_MASTER_MODEL) roles.master.path = resolve(env.AUTODEV_MASTER_MODEL);
  if (env.AUTODEV_WORKER_MODEL) roles.worker.path = resolve(env.AUTODEV_WORKER_MODEL);
  if (env.AUTODEV_EMBEDDING_MODEL) models.embedding = resolve(env.AUTODEV_EMBEDDING_MODEL);
  if (env.AUTODEV_HF_ENDPOINT) models.hfEndpoint = env.AUTODEV_HF_ENDPOINT;
  if (flags.masterModel) roles.master.path = resolve(flags.masterModel);
  if (flags.workerModel) roles.worker.path = resolve(flags.workerModel);
  if (flags.embeddingModel) models.embedding = resolve(flags.embeddingModel);
  for (const role of Object.values(roles)) {
    const provider = ModelProvider.safeParse(role.provider ?? 'local');
    const keyEnv = typeof role.apiKeyEnv === 'string' ? role.apiKeyEnv : provider.success ? DEFAULT_KEY_ENV[provider.data] : null;
    if (role.apiKey === undefined && keyEnv && env[keyEnv]) role.apiKey = env[keyEnv];
  }
  return { ...models, master: roles.master, worker: roles.worker };
}
