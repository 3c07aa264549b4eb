import { z } from 'zod';

/**
 * The restricted NATS users the daemon hands out. The daemon's own user (its
 * token) may do everything; these may do only what their role needs.
 * - `worker`: pull its work queue, read repository snapshots, send replies,
 *   heartbeats and progress; never publish or read job events.
 * - `observer`: subscribe to job events; never publish anything.
 */
export const NatsRole = z.enum(['worker', 'observer']);
export type NatsRole = z.infer<typeof NatsRole>;

/** `GET /nats/credentials/:role`: how one role connects to the daemon's NATS. */
export const NatsCredentials = z.object({
  role: NatsRole,
  /** The server, without credentials in it. */
  url: z.string(),
  user: z.string(),
  password: z.string(),
  /** Pass as nats.js `inboxPrefix`: the only inbox this user may subscribe to; null when the role makes no requests. */
  inboxPrefix: z.string().nullable(),
  /** Subjects this user may subscribe to. */
  subscribe: z.array(z.string()),
  /** Subjects this user may publish to; empty for observers. */
  publish: z.array(z.string()),
});
export type NatsCredentials = z.infer<typeof NatsCredentials>;
