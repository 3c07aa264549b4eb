import { z } from 'zod';

export const MAX_PROMPT_CHARS = 20_000;
export const MAX_SPEC_CHARS = 2_000_000;

export const SubmitJobBody = z.object({
  prompt: z.string().trim().min(1, 'must not be empty').max(MAX_PROMPT_CHARS),
  spec: z.string().max(MAX_SPEC_CHARS).optional(),
});
export type SubmitJobBody = z.infer<typeof SubmitJobBody>;

export const CancelJobBody = z.object({ reason: z.string().max(500).optional() }).strict();
export type CancelJobBody = z.infer<typeof CancelJobBody>;

export const HealthResponse = z.object({
  ok: z.literal(true),
  pid: z.number().int(),
  version: z.string(),
  natsUrl: z.string(),
  model: z.string().nullable(),
  jobs: z.object({ active: z.number().int().nonnegative() }),
  workers: z.array(
    z.object({
      worker: z.string(),
      process: z.string(),
      roles: z.array(z.string()),
      busy: z.number().int().nonnegative(),
      alive: z.boolean(),
      lastSeenMs: z.number().int().nonnegative(),
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
