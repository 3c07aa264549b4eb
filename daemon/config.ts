import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { AutodevError, DEFAULT_SUBJECT_PREFIX } from '../proto/index.js';
import { resolveHome as resolveHomeFolder } from '../proto/home.js';
import { AcceptanceTimeoutsConfig } from './acceptance-config.js';
import { McpSettings } from './mcp/settings.js';
import { mergeModelSources, ModelsConfig, type ModelOverrides } from './model-config.js';

/** Where generated code runs; see actors/sandbox/ and `autodev doctor`. */
export const SandboxConfig = z
  .object({
    backend: z
      .enum(['auto', 'docker', 'bubblewrap', 'none'])
      .default('auto')
      .describe('which sandbox runs generated code: auto picks Docker when an engine answers, else bubblewrap; none runs nothing unless unsafeNoSandbox is set'),
    dockerSocket: z.string().min(1).default('/var/run/docker.sock').describe('unix socket of a Docker engine to use before starting one of our own'),
    ownEngine: z
      .boolean()
      .default(true)
      .describe('start a daemon-owned dockerd (private data root and socket under `<home>/sandbox/engine`, as root) when no engine answers on dockerSocket'),
    dockerdBin: z.string().default('dockerd').describe('the dockerd program ownEngine starts: a name looked up on PATH, or a path'),
    image: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$/, 'must be a docker image name such as autodev-sandbox:1')
      .default('autodev-sandbox:1')
      .describe('the base image of every container; built offline on first use when missing'),
    warmPoolSize: z.number().int().min(0).max(16).default(2).describe('started idle containers kept ready; 0 makes every run cold'),
    reuseContainers: z
      .boolean()
      .default(true)
      .describe('a warm container serves up to 50 clean runs, reset and verified between them; false removes it after each run'),
    limits: z
      .object({
        cpus: z.number().positive().max(256).default(1).describe('CPUs one run may use'),
        memoryBytes: z
          .number()
          .int()
          .min(16 * 1024 * 1024)
          .default(512 * 1024 * 1024)
          .describe('memory one run may use, in bytes (no swap); a run past it is killed with oomKilled: true'),
        pids: z.number().int().min(8).max(65536).default(256).describe('processes and threads one run may have at once'),
        tmpfsBytes: z
          .number()
          .int()
          .min(1024 * 1024)
          .default(128 * 1024 * 1024)
          .describe("/tmp's size in bytes where no disk volume can be made (see diskLimitMb); with one, /tmp is on the volume"),
      })
      .strict()
      .prefault({})
      .describe('resource limits of every sandbox run'),
    timeoutMs: z.number().int().min(100).default(120_000).describe('wall-clock limit of a sandbox run that names none itself; a run past it is killed with everything it started'),
    /**
     * A run's changes to the workspace and its /tmp share one loop-mounted volume (actors/sandbox/run-disk.ts).
     * Needs a root daemon; without one only limits.tmpfsBytes (/tmp) and the 1 GiB per-file limit apply.
     */
    diskLimitMb: z
      .number()
      .int()
      .min(64)
      .max(1024 * 1024)
      .default(2048)
      .describe('most one sandbox run may write (workspace changes and /tmp together), in MiB; a run past it fails with sandbox_disk_limit and its writes are dropped (needs a root daemon)'),
    registries: z
      .array(z.url())
      .default(['https://registry.npmjs.org/'])
      .describe('the only hosts a dependency-install run (network "registry") may reach, through the sandbox\'s proxy'),
    unsafeNoSandbox: z
      .boolean()
      .default(false)
      .describe('run generated code with no isolation when no sandbox works (also autodevd --unsafe-no-sandbox); never a fallback on its own'),
  })
  .strict()
  .prefault({})
  .describe('where generated code runs (actors/sandbox/; `autodev doctor` shows the choice)');
export type SandboxConfig = z.infer<typeof SandboxConfig>;

export const DaemonConfig = z
  .object({
    model: z.string().min(1).optional().describe('path of a GGUF model file for every role that names none (also AUTODEV_MODEL, --model); relative to the home folder'),
    gpu: z.enum(['auto', 'cuda', 'vulkan', 'metal', 'cpu']).default('auto').describe('llama.cpp backend (also AUTODEV_GPU, --gpu); auto uses a GPU when node-llama-cpp finds one'),
    threads: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('CPU threads for local models; unset: 1 for models under 256 MB, else the physical cores (on a loaded machine 1 can beat 2)'),
    contextSize: z.number().int().min(512).default(4096).describe("context window per sequence, in tokens (capped at the model's); a role's own contextSize wins"),
    maxParallelTasks: z.number().int().min(1).max(64).default(2).describe('tasks a job runs at once'),
    workersPerRole: z.number().int().min(1).max(16).default(1).describe('worker actors per role (backend, frontend, testing, devops, docs) in this daemon'),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(3)
      .describe('retries after a task\'s first failure, with exponential backoff; an attempt the daemon itself cut short (a restart) runs again without using one'),
    retryBaseMs: z.number().int().min(0).default(1000).describe("the first retry's backoff, in ms; each later retry waits twice as long (1 s, 2 s, 4 s)"),
    taskTimeoutMs: z.number().int().min(1000).default(15 * 60_000).describe('time one task attempt may take, in ms (each task\'s budget, set at planning)'),
    jobTimeoutMs: z.number().int().min(1000).default(4 * 3_600_000).describe("a job's wall-clock budget, in ms"),
    jobMaxTokens: z.number().int().min(1).nullable().default(2_000_000).describe("a job's token budget, planning and every attempt included; null: none"),
    acceptanceRounds: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(3)
      .describe('integration rounds (build, start and accept the app from main; fix what failed) before a job fails acceptance'),
    planMaxTokens: z.number().int().min(64).default(2048).describe("the Master's generation budget for a plan, in tokens"),
    planAttempts: z.number().int().min(1).max(5).default(2).describe('times the Master asks for a plan before the job fails planning (an answer that fails the plan schema is asked for again)'),
    taskMaxTokens: z.number().int().min(64).default(4096).describe("a worker's generation budget per task attempt, in tokens"),
    contextChars: z.number().int().min(0).default(8000).describe("repository and memory content a worker's prompt may carry, in characters"),
    workAckWaitMs: z.number().int().min(1000).default(30_000).describe("when a silent worker's task is redelivered to another worker, in ms"),
    heartbeatMs: z.number().int().min(100).default(5000).describe('how often workers report they are alive, in ms; a worker that misses several beats is shown as dead'),
    workerMinFreeMemoryMb: z
      .number()
      .int()
      .min(0)
      .default(256)
      .describe('workers take no new task while the machine has less memory available than this, in MiB; 0 turns the check off'),
    localWorkers: z.boolean().default(true).describe('run worker actors inside the daemon; false leaves the work to `autodevd worker` processes'),
    warmUpModels: z
      .boolean()
      .default(true)
      .describe('load the configured models right after start, not when the first task needs them (/health `warmUp` and `autodev daemon status` show the progress)'),
    output: z
      .object({
        maxFiles: z.number().int().min(1).max(32).default(6).describe('files one worker answer may write'),
        maxLinesPerFile: z.number().int().min(1).max(2000).default(300).describe('lines per file in a worker answer'),
        maxLineChars: z.number().int().min(8).max(1000).default(200).describe('characters per line in a worker answer'),
        maxSummaryChars: z.number().int().min(8).max(500).default(160).describe("characters of a worker answer's one-line summary"),
      })
      .strict()
      .prefault({})
      .describe("bounds of a worker's answer, enforced by its grammar"),
    subjectPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be dot-separated tokens of A-Z a-z 0-9 _ -')
      .default(DEFAULT_SUBJECT_PREFIX)
      .describe('root of every NATS subject (docs/events.md)'),
    eventRetentionDays: z.number().positive().default(7).describe('how long JetStream keeps job events, in days'),
    natsServerBin: z.string().default('nats-server').describe('the nats-server program the daemon starts when not given --nats URL: a name looked up on PATH, or a path'),
    natsRestartDelaysMs: z
      .array(z.number().int().min(0).max(60_000))
      .min(1)
      .max(10)
      .default([500, 2000, 5000])
      .describe('waits before each restart of an embedded nats-server that died, in ms; after the last one fails, the daemon stops'),
    apiMaxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024 * 1024)
      .default(8 * 1024 * 1024)
      .describe('largest request body the control API reads (POST /jobs, /v1/*, /mcp/*), in bytes; larger ones get 413 before being buffered'),
    mcp: McpSettings.prefault({}).describe('the MCP tool servers: fetch limits and host lists, database mode, git remotes (docs/mcp.md)'),
    sandbox: SandboxConfig,
    validation: z
      .object({
        pipeline: z
          .enum(['full', 'syntax'])
          .default('full')
          .describe("`syntax` runs only the first stage, on the worker's files: for model benchmarks, not for real jobs"),
        testTimeoutMs: z.number().int().min(1000).default(120_000).describe("time the generated project's own tests may take in one validation, in ms"),
        audit: z.boolean().default(true).describe('run npm audit; it asks the registry, so false keeps validation off the network'),
        minCoverage: z.number().min(0).max(100).default(0).describe('line coverage, in percent, the project\'s tests must reach; 0 reports coverage without judging it'),
        installDependencies: z
          .boolean()
          .default(true)
          .describe("install the generated project's dependencies (registry only, scripts off) so its own test runner can run"),
      })
      .strict()
      .prefault({})
      .describe("the validation pipeline each task's files go through before their commit (actors/validation/)"),
    acceptance: AcceptanceTimeoutsConfig,
    devops: z
      .object({
        finalizeOnCompletion: z.boolean().default(true).describe('when a job completes, write its artifacts, RESULT.md and the result bundle'),
        installTimeoutMs: z.number().int().min(1000).default(300_000).describe('time a dependency install may take in validation and finalization, in ms'),
      })
      .strict()
      .prefault({})
      .describe('what runs when a job completes (actors/devops/): version tag, install, web build, image'),
    memory: z
      .object({
        enabled: z.boolean().default(true).describe('open the LanceDB memory and its embedding model; false runs every job without memory'),
        topK: z.number().int().min(1).max(50).default(8).describe("chunks retrieved from the job's memory for each task attempt"),
        annThreshold: z.number().int().min(256).default(10_000).describe('rows at which a table gets an ANN index; below it exact search is fast enough'),
      })
      .strict()
      .prefault({})
      .describe("the job memory: LanceDB plus transformers.js embeddings, under `<home>/memory`"),
    models: ModelsConfig.prefault({}).describe('per-role models (master, worker, embedding); roles left unset fall back to "model" and "contextSize"'),
  })
  .strict();
export type DaemonConfig = z.infer<typeof DaemonConfig>;

export class ConfigError extends AutodevError {
  override readonly name = 'ConfigError';
  declare readonly code: 'config_invalid';
  constructor(message: string, options?: { cause?: unknown }) {
    super('config_invalid', message, options);
  }
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
