import { z } from 'zod';
import { AcceptanceCheck } from './acceptance.js';
import { JudgeAuth } from './acceptance-security.js';

/**
 * The acceptance judge's protocol: the plan the daemon writes into the
 * judge's own read-only folder, and the one result line the judge prints on
 * its own stdout. The judge runs in a sandbox of its own, beside the app
 * (see actors/acceptance/app-runner.ts), so the app can write neither; the
 * result is still parsed as untrusted, and counts only when the judge exited
 * 0 on its own.
 */

/**
 * Written by the daemon, which parses it with this schema before writing;
 * the judge trusts what it reads (nothing else can write its folder) and
 * checks only its shape, having no zod in its sandbox.
 */
export const JudgePlan = z
  .object({
    checks: z.array(AcceptanceCheck),
    /** The PORT the app was given. */
    port: z.number().int().min(1).max(65535),
    /** How long the app may take to listen. */
    startTimeoutMs: z.number().int().positive(),
    requestTimeoutMs: z.number().int().positive(),
    /** How long the checks may take in all, once the app listens. */
    checksTimeoutMs: z.number().int().positive(),
    /** The credentials steps name, by scheme: the only place their values are written. */
    auth: JudgeAuth.optional(),
  })
  .strict();
export type JudgePlan = z.infer<typeof JudgePlan>;

const Counted = z.union([z.string(), z.number()]);

export const JudgeStepOutcome = z.object({
  sent: z.object({ method: z.string(), path: z.string(), body: z.string().nullable(), credentials: z.array(z.string()).optional() }).nullable(),
  response: z.object({ status: z.number().int(), contentType: z.string().nullable(), body: z.string(), truncated: z.boolean() }).nullable(),
  error: z.string().nullable(),
  captured: z.record(z.string(), Counted),
  durationMs: z.number().nonnegative(),
});

export const JudgeCheckOutcome = z.object({ id: z.string(), steps: z.array(JudgeStepOutcome) });

export const JudgeResult = z.object({
  /** Whether the app accepted connections on `port` before the start timeout. */
  listening: z.boolean(),
  /** Why it did not, when it did not. */
  problem: z.string().nullable(),
  /** The port the checks went to: PORT, or the one port the app listened on instead. */
  port: z.number().int().min(1).max(65535),
  /** Set when the app ignored PORT and the judge found the port it listens on. */
  portNote: z.string().nullable(),
  startMs: z.number().nonnegative(),
  outcomes: z.array(JudgeCheckOutcome),
});
export type JudgeResult = z.infer<typeof JudgeResult>;
