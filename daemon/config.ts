import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_SUBJECT_PREFIX } from '../proto/index.js';
import { resolveHome as resolveHomeFolder } from '../proto/home.js';
import { McpSettings } from './mcp/settings.js';
import { mergeModelSources, ModelsConfig, type ModelOverrides } from './model-config.js';

/** Where generated code runs; see actors/sandbox/ and `autodev doctor`. */
export const SandboxConfig = z
  .object({
    backend: z.enum(['auto', 'docker', 'bubblewrap', 'none']).default('auto'),
    /** An engine to use before starting one of our own; DOCKER_HOST-style unix socket path. */
    dockerSocket: z.string().min(1).default('/var/run/docker.sock'),
    /** Start a daemon-owned dockerd (private data root and socket under the home folder) when no engine answers. */
    ownEngine: z.boolean().default(true),
    dockerdBin: z.string().default('dockerd'),
    image: z.string().regex(/^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$/, 'must be a docker image name such as autodev-sandbox:1').default('autodev-sandbox:1'),
    /** Started idle containers kept ready; 0 makes every run cold. */
    warmPoolSize: z.number().int().min(0).max(16).default(2),
    /** A warm container serves up to 50 clean runs, reset and verified between them; false removes it after each run. */
    reuseContainers: z.boolean().default(true),
    limits: z
      .object({
        cpus: z.number().positive().max(256).default(1),
        memoryBytes: z.number().int().min(16 * 1024 * 1024).default(512 * 1024 * 1024),
        pids: z.number().int().min(8).max(65536).default(256),
        /** /tmp's size where no disk volume can be made (diskLimitMb); with one, /tmp is on the volume. */
        tmpfsBytes: z.number().int().min(1024 * 1024).default(128 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    timeoutMs: z.number().int().min(100).default(120_000),
    /**
     * The most one run may write, in MiB: its changes to the workspace and its /tmp together, on a loop-mounted
     * volume of this size (actors/sandbox/run-disk.ts). A run that fills it fails with sandbox_disk_limit and its
     * writes are dropped. Needs a root daemon; without one only limits.tmpfsBytes (/tmp) and the 1 GiB per-file limit apply.
     */
    diskLimitMb: z
      .number()
      .int()
      .min(64)
      .max(1024 * 1024)
      .default(2048)
      .describe('most one sandbox run may write (workspace changes and /tmp together), in MiB'),
    /** The only hosts a dependency-install run (network "registry") may reach, through the sandbox's proxy. */
    registries: z.array(z.url()).default(['https://registry.npmjs.org/']),
    /** Run generated code with no isolation; only with this set (or --unsafe-no-sandbox), never as a fallback. */
    unsafeNoSandbox: z.boolean().default(false),
  })
  .strict()
  .prefault({});
export type SandboxConfig = z.infer<typeof SandboxConfig>;

export const DaemonConfig = z
  .object({
    model: z.string().min(1).optional().describe('path of a GGUF model file'),
    gpu: z.enum(['auto', 'cuda', 'vulkan', 'metal', 'cpu']).default('auto'),
    threads: z.number().int().nonnegative().optional(),
    contextSize: z.number().int().min(512).default(4096),
    maxParallelTasks: z.number().int().min(1).max(64).default(2),
    workersPerRole: z.number().int().min(1).max(16).default(1),
    maxRetries: z.number().int().min(0).max(10).default(3),
    retryBaseMs: z.number().int().min(0).default(1000),
    taskTimeoutMs: z.number().int().min(1000).default(15 * 60_000),
    jobTimeoutMs: z.number().int().min(1000).default(4 * 3_600_000),
    jobMaxTokens: z.number().int().min(1).nullable().default(2_000_000),
    /** Integration rounds (build, start, accept the app from main; fix what failed) before a job fails acceptance. */
    acceptanceRounds: z.number().int().min(1).max(10).default(3),
    planMaxTokens: z.number().int().min(64).default(2048),
    planAttempts: z.number().int().min(1).max(5).default(2),
    taskMaxTokens: z.number().int().min(64).default(4096),
    contextChars: z.number().int().min(0).default(8000),
    workAckWaitMs: z.number().int().min(1000).default(30_000),
    heartbeatMs: z.number().int().min(100).default(5000),
    /** Workers take no new task while the machine has less memory available than this; 0 turns the check off. */
    workerMinFreeMemoryMb: z.number().int().min(0).default(256),
    localWorkers: z.boolean().default(true),
    /** Load the configured models right after start, not when the first task needs them. */
    warmUpModels: z.boolean().default(true),
    output: z
      .object({
        maxFiles: z.number().int().min(1).max(32).default(6),
        maxLinesPerFile: z.number().int().min(1).max(2000).default(300),
        maxLineChars: z.number().int().min(8).max(1000).default(200),
        maxSummaryChars: z.number().int().min(8).max(500).default(160),
      })
      .strict()
      .prefault({}),
    subjectPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be dot-separated tokens of A-Z a-z 0-9 _ -')
      .default(DEFAULT_SUBJECT_PREFIX),
    eventRetentionDays: z.number().positive().default(7),
    natsServerBin: z.string().default('nats-server'),
    /** Waits before each restart of an embedded nats-server that died; after the last one fails, the daemon stops. */
    natsRestartDelaysMs: z.array(z.number().int().min(0).max(60_000)).min(1).max(10).default([500, 2000, 5000]),
    /** Largest request body the control API reads (POST /jobs, /v1/*, /mcp/*); larger ones get 413 before being buffered. */
    apiMaxBodyBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(8 * 1024 * 1024),
    /** The MCP tool servers: fetch limits and lists, database mode, git remotes; see docs/mcp.md. */
    mcp: McpSettings.prefault({}),
    sandbox: SandboxConfig,
    /** The validation pipeline each task's files go through before their commit (actors/validation/). */
    validation: z
      .object({
        /** `syntax` runs only the first stage, on the worker's files: for model benchmarks, not for real jobs. */
        pipeline: z.enum(['full', 'syntax']).default('full'),
        testTimeoutMs: z.number().int().min(1000).default(120_000),
        /** npm audit asks the registry; off keeps validation from touching the network. */
        audit: z.boolean().default(true),
        minCoverage: z.number().min(0).max(100).default(0),
        /** Install the generated project's dependencies (registry-only, scripts off) so its own test runner can run. */
        installDependencies: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** What runs when a job completes (actors/devops/): version tag, install, web build, image. */
    devops: z
      .object({
        finalizeOnCompletion: z.boolean().default(true),
        installTimeoutMs: z.number().int().min(1000).default(300_000),
      })
      .strict()
      .prefault({}),
    memory: z
      .object({
        enabled: z.boolean().default(true),
        /** Chunks retrieved from the job's memory for each task attempt. */
        topK: z.number().int().min(1).max(50).default(8),
        /** Rows at which a table gets an ANN index; below it exact search is fast enough. */
        annThreshold: z.number().int().min(256).default(10_000),
      })
      .strict()
      .prefault({}),
    /** Per-role models (master, worker, embedding); see daemon/model-config.ts. */
    models: ModelsConfig.prefault({}),
  })
  .strict();
export type DaemonConfig = z.infer<typeof DaemonConfig>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config_invalid';
}

/** `--home`, then AUTODEV_HOME, then ~/.autodev. */
/** The home folder for this process: see proto/home.ts, shared with the CLI. */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return resolveHomeFolder(flag, env, homedir());
}

export interface ConfigOverrides extends ModelOverrides {
  model?: string;
  gpu?: string;
}

/**
 * The config file, then the environment, then flags; later wins. A bad value
 * anywhere stops the daemon with the field named, instead of being ignored.
 */
export async function loadConfig(home: string, env: NodeJS.ProcessEnv, flags: ConfigOverrides): Promise<DaemonConfig> {
  const file = join(home, 'config.json');
  let fromFile: unknown = {};
  try {
    fromFile = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
    throw new ConfigError(`${file} must hold a JSON object`);
  }
  const merged: Record<string, unknown> = { ...fromFile };
  // A path in config.json is relative to the home folder; one from env or flags, to the working folder.
  if (typeof merged.model === 'string' && merged.model) merged.model = resolve(home, merged.model);
  if (env.AUTODEV_MODEL) merged.model = resolve(env.AUTODEV_MODEL);
  if (env.AUTODEV_GPU) merged.gpu = env.AUTODEV_GPU;
  if (flags.model) merged.model = resolve(flags.model);
  if (flags.gpu) merged.gpu = flags.gpu;
  merged.models = mergeModelSources(merged.models, home, env, flags);
  const parsed = DaemonConfig.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration (${file}, AUTODEV_* or flags): ${problems}`);
  }
  return parsed.data;
}

export const MODEL_HOWTO =
  'No model is configured. Pass --model PATH to autodevd, set AUTODEV_MODEL=PATH, or add "model": "PATH" to config.json in the autodev home folder; PATH is a GGUF file such as a Qwen2.5-Coder instruct build.';
