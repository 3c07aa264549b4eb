import { z } from 'zod';
import { WorkerResources } from './work.js';
import { WireError } from './errors.js';

export const MAX_PROMPT_CHARS = 20_000;
export const MAX_SPEC_CHARS = 2_000_000;

/**
 * Characters refused in free text from API clients: C0 controls other than
 * tab, newline and carriage return, DEL, C1 controls, bidirectional overrides
 * and isolates, and lone surrogates. They drive terminals, make text read
 * differently than it is (Trojan Source), or are not text at all and break
 * strict JSON parsers of GET /jobs.
 */
const UNSAFE_TEXT =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first unsafe character, for a message that names it and its position. */
export function findUnsafeChar(text: string): { position: number; codePoint: string } | null {
  const match = UNSAFE_TEXT.exec(text);
  if (!match) return null;
  const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return { position: match.index, codePoint: `U+${code}` };
}

/** A string refinement for free-text fields; the 400 names the field (from the path) and where the character is. */
export function safeFreeText<S extends z.ZodType<string>>(schema: S) {
  return schema.superRefine((text, ctx) => {
    const bad = findUnsafeChar(text);
    if (bad) {
      ctx.addIssue({
        code: 'custom',
        message: `character ${bad.codePoint} at position ${bad.position} is not allowed (control characters, bidirectional overrides and lone surrogates are refused); remove it`,
      });
    }
  });
}

export const SubmitJobBody = z.object({
  prompt: safeFreeText(z.string().trim().min(1, 'must not be empty').max(MAX_PROMPT_CHARS)),
  spec: safeFreeText(z.string().max(MAX_SPEC_CHARS)).optional(),
});
export type SubmitJobBody = z.infer<typeof SubmitJobBody>;

export const CancelJobBody = z.object({ reason: safeFreeText(z.string().max(500)).optional() }).strict();
export type CancelJobBody = z.infer<typeof CancelJobBody>;

/** One model role as the daemon reports it; never carries a key. */
export const ModelRoleView = z.object({
  provider: z.enum(['local', 'openai', 'anthropic', 'replay']),
  name: z.string().nullable(),
  contextSize: z.number().int().positive().nullable(),
});
export type ModelRoleView = z.infer<typeof ModelRoleView>;

export const ModelsView = z.object({
  master: ModelRoleView,
  worker: ModelRoleView,
  /** The embedding model folder memory reads. */
  embedding: z.string(),
  /** The llama.cpp backend in use (cuda, vulkan, metal, or false for CPU); null until a local model loaded. */
  gpu: z.union([z.string(), z.literal(false)]).nullable(),
});
export type ModelsView = z.infer<typeof ModelsView>;

/** The daemon's message bus as /health reports it. */
export const NatsHealth = z.object({
  /** Server up and client connected: only then are jobs accepted. */
  connected: z.boolean(),
  /** `external`: given with --nats, so the daemon cannot restart it. */
  server: z.enum(['running', 'restarting', 'external']),
  /** Restarts of the embedded server since the daemon started. */
  restarts: z.number().int().nonnegative(),
  downSince: z.string().nullable(),
  /** The last problem seen, kept after recovery for diagnosis. */
  problem: z.string().nullable(),
});
export type NatsHealth = z.infer<typeof NatsHealth>;

/**
 * A part the daemon readies after it answers (daemon/warm-up.ts): `idle` loads on
 * first use, `off` is not configured; `ms` is how long loading took, or has taken so far.
 */
export const WarmUpPart = z.object({
  state: z.enum(['idle', 'loading', 'ready', 'failed', 'off']),
  ms: z.number().int().nonnegative().nullable(),
  error: z.string().nullable(),
});
export type WarmUpPart = z.infer<typeof WarmUpPart>;

export const WarmUpView = z.object({ master: WarmUpPart, worker: WarmUpPart, memory: WarmUpPart, sandbox: WarmUpPart });
export type WarmUpView = z.infer<typeof WarmUpView>;

export const HealthResponse = z.object({
  /** False while a part the daemon needs (the NATS bus) is down. */
  ok: z.boolean(),
  pid: z.number().int(),
  version: z.string(),
  natsUrl: z.string(),
  /** Optional: older daemons do not send it. */
  nats: NatsHealth.optional(),
  model: z.string().nullable(),
  /** Optional: older daemons do not send it. */
  models: ModelsView.optional(),
  /** Optional: older daemons do not send it. */
  warmUp: WarmUpView.optional(),
  jobs: z.object({ active: z.number().int().nonnegative() }),
  workers: z.array(
    z.object({
      worker: z.string(),
      process: z.string(),
      roles: z.array(z.string()),
      busy: z.number().int().nonnegative(),
      alive: z.boolean(),
      lastSeenMs: z.number().int().nonnegative(),
      resources: WorkerResources.optional(),
      paused: z.enum(['low_memory']).nullable().optional(),
    }),
  ),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

/** `daemon.json` in the home folder: how clients find a running daemon. */
export const DaemonInfo = z.object({
  pid: z.number().int().positive(),
  apiUrl: z.url(),
  natsUrl: z.string(),
  tokenFile: z.string(),
});
export type DaemonInfo = z.infer<typeof DaemonInfo>;

// ---- `autodev models` (daemon/api/models-routes.ts) ----

/** Sensible defaults for `autodev models pull ALIAS`: instruct coder models that follow the file-section format. */
export const MODEL_ALIASES: Readonly<Record<string, string>> = {
  master: 'hf:Qwen/Qwen2.5-Coder-7B-Instruct-GGUF:Q4_K_M',
  worker: 'hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF:Q4_K_M',
};

/** The transformers.js folder memory embeds with, and `autodev models pull embedding` fetches. */
export const EMBEDDING_MODEL_REPO = 'Xenova/all-MiniLM-L6-v2';
/** The folder name the memory system looks for when `models.embedding` is not set. */
export const DEFAULT_EMBEDDING_FOLDER = 'all-MiniLM-L6-v2';

/** One entry of the models folder (actors/models/model-store.ts). */
export const StoredModelView = z.object({
  name: z.string(),
  path: z.string(),
  kind: z.enum(['gguf', 'folder']),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().nullable(),
  partial: z.boolean(),
});
export type StoredModelView = z.infer<typeof StoredModelView>;

/** `GET /models`. */
export const ModelListAnswer = z.object({ dir: z.string(), models: z.array(StoredModelView) });
export type ModelListAnswer = z.infer<typeof ModelListAnswer>;

/** `DELETE /models/:name`. */
export const RemoveModelAnswer = z.object({ removed: StoredModelView });
export type RemoveModelAnswer = z.infer<typeof RemoveModelAnswer>;

/**
 * `POST /models/pull`. Lengths only: the downloader checks the values
 * themselves (a bad hash or URI is its error, with its message), as the
 * command did before it went through the daemon.
 */
export const PullModelBody = z
  .object({
    /** An hf: URI, an https:// URL of a .gguf, an alias of MODEL_ALIASES, or `embedding`. */
    target: z.string().min(1).max(2048),
    sha256: z.string().min(1).max(128).optional(),
    /** File name to save as. */
    name: z.string().min(1).max(255).optional(),
    /** Base of hf: URIs; else the config's models.hfEndpoint. */
    hfEndpoint: z.string().min(1).max(2048).optional(),
  })
  .strict();
export type PullModelBody = z.infer<typeof PullModelBody>;

export const PulledModel = z.object({
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string(),
  verifiedBy: z.enum(['flag', 'sidecar', 'manifest']).nullable(),
});
export const PulledFolder = z.object({ path: z.string(), bytes: z.number().int().nonnegative(), files: z.array(z.string()) });

/**
 * The lines of `POST /models/pull`'s NDJSON answer: progress while
 * downloading, then exactly one of `pulled`, `pulled_folder` or `error` (a
 * failure after the answer has started cannot change its HTTP status).
 */
export const PullEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), downloadedBytes: z.number().nonnegative(), totalBytes: z.number().nonnegative() }),
  z.object({ type: z.literal('pulled'), model: PulledModel }),
  z.object({ type: z.literal('pulled_folder'), folder: PulledFolder }),
  z.object({ type: z.literal('error'), error: WireError }),
]);
export type PullEvent = z.infer<typeof PullEvent>;

// ---- `autodev mcp` (daemon/api/mcp-catalog-routes.ts) ----

/** The MCP tool servers the daemon hosts (actors/mcp/registry.ts builds them). */
export const McpServerName = z.enum(['fetch', 'memory', 'git', 'filesystem', 'sequential_thinking', 'database', 'time']);
export type McpServerName = z.infer<typeof McpServerName>;
export const MCP_SERVER_NAMES = McpServerName.options;

/** `GET /mcp`: every server's tools, as an MCP client sees them. */
export const McpCatalogAnswer = z.object({
  servers: z.array(z.object({ server: McpServerName, tools: z.array(z.object({ name: z.string(), description: z.string() })) })),
});
export type McpCatalogAnswer = z.infer<typeof McpCatalogAnswer>;

// ---- `autodev sandbox run` (daemon/api/sandbox-routes.ts) ----

/** `POST /sandbox/run`: one command in the sandbox backend the daemon would choose, the way workers run. */
export const SandboxRunBody = z
  .object({
    argv: z.array(z.string().max(100_000)).min(1).max(10_000),
    /**
     * Absolute host folder the command works on. It is copied, and the copy is
     * mounted read-write at /workspace: the folder itself is never run in, and
     * never changes unless `writeBack` asks for it. The daemon's home is refused.
     */
    workspace: z.string().min(1).max(4096).refine((p) => p.startsWith('/'), 'must be an absolute path'),
    /**
     * Write the run's new and changed regular files back into `workspace`
     * (never through a symlink there). Not written back: deletions, symlinks,
     * mode changes, empty folders and anything under .git.
     */
    writeBack: z.boolean().optional(),
    /** Working folder inside the workspace. */
    cwd: z.string().min(1).max(4096).optional(),
    timeoutMs: z.number().positive().optional(),
    limits: z.object({ memoryBytes: z.number().int().positive().optional(), cpus: z.number().positive().optional(), pids: z.number().positive().optional() }).strict(),
    network: z.enum(['none', 'registry']),
    /** Allow running WITHOUT isolation when no sandbox works (the CLI's --unsafe-no-sandbox). */
    unsafeNoSandbox: z.boolean(),
  })
  .strict();
export type SandboxRunBody = z.infer<typeof SandboxRunBody>;

export const SandboxRunAnswer = z.object({
  backend: z.enum(['docker', 'bubblewrap', 'none']),
  reason: z.string(),
  exitCode: z.number().int(),
  stdout: z.string(),
  stderr: z.string(),
  timedOut: z.boolean(),
  oomKilled: z.boolean(),
  durationMs: z.number().nonnegative(),
  /** Where the command ran, and what of it reached the folder that was named. */
  workspace: z.object({
    /** Always a private copy of `source`: see SandboxRunBody.workspace. */
    ranIn: z.literal('copy'),
    /** The folder that was named, symlinks resolved. */
    source: z.string(),
    writeBack: z.boolean(),
    /** Files written into `source`, relative to it; empty without writeBack. */
    written: z.array(z.string()),
    /** What the write-back left out, and why; empty without writeBack. */
    skipped: z.array(z.object({ path: z.string(), why: z.string() })),
  }),
});
export type SandboxRunAnswer = z.infer<typeof SandboxRunAnswer>;

// ---- `autodev doctor` (daemon/api/doctor-routes.ts) ----

export const DoctorCheck = z.object({
  name: z.string(),
  ok: z.boolean(),
  /** A failed required check makes doctor exit 1; an optional one only warns. */
  required: z.boolean(),
  detail: z.string(),
});
export type DoctorCheck = z.infer<typeof DoctorCheck>;

const SandboxBackendName = z.enum(['docker', 'bubblewrap', 'none']);

/** The backend the daemon would run generated code in, and why; `backend: null` when none can be chosen. */
export const DoctorSandbox = z.union([
  z.object({
    backend: SandboxBackendName,
    reason: z.string(),
    considered: z.array(z.object({ backend: SandboxBackendName, ok: z.boolean(), detail: z.string() })),
    warmPool: z.string(),
  }),
  z.object({ backend: z.null(), reason: z.string() }),
]);
export type DoctorSandbox = z.infer<typeof DoctorSandbox>;

/** `GET /doctor`: the daemon's own view of its set-up (config, sandbox, model, nats-server, dockerd). */
export const DoctorAnswer = z.object({ sandbox: DoctorSandbox, checks: z.array(DoctorCheck) });
export type DoctorAnswer = z.infer<typeof DoctorAnswer>;
