import { z } from 'zod';
import { WorkerResources } from './work.js';

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
  provider: z.enum(['local', 'openai', 'anthropic']),
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
