import { z } from 'zod';

/** Stable codes shared by the daemon, the CLI and outside subscribers. */
export const ErrorCode = z.enum([
  'bad_request',
  'unauthorized',
  'not_found',
  'conflict',
  'model_not_configured',
  'model_unavailable',
  'model_output_invalid',
  /** A prompt longer than the model's context window minus the answer budget; refused, never truncated. */
  'context_overflow',
  /** A downloaded model's sha256 differs from the expected one; the file was deleted. */
  'checksum_mismatch',
  'plan_invalid',
  'worker_unavailable',
  'task_failed',
  'validation_failed',
  'task_timeout',
  'dependency_failed',
  'cancelled',
  'budget_exceeded',
  'loop_detected',
  /** The integrated app failed its acceptance suite (or the project's own tests) after every integration round. */
  'acceptance_failed',
  /** The app passed its acceptance checks but ignored a requirement of the prompt (its language, framework, database). */
  'requirements_failed',
  /** A rule or acceptance check that decides completion could not run here (no sandbox, no suite); never a pass. */
  'unverified',
  'daemon_unreachable',
  /** No sandbox backend can run here (and unsandboxed runs were not allowed). */
  'sandbox_unavailable',
  /** The sandbox itself failed (engine gone, image missing), not the code it ran: costs the task no retry. */
  'sandbox_failed',
  /** A sandbox run was asked for with an unusable workspace or option. */
  'sandbox_bad_request',
  /** The sandboxed command wrote more than sandbox.diskLimitMb (workspace changes and /tmp together): the code's fault, so it costs a retry. */
  'sandbox_disk_limit',
  /** The daemon's NATS bus is down (being restarted); nothing was saved. */
  'bus_unavailable',
  /** A request body over the API's size limit. */
  'payload_too_large',
  /** Refused by a safety rule (a path out of the workspace, a write in read-only mode). */
  'forbidden',
  /** A part the daemon needs (memory, a remote, the sandbox for a tool) cannot serve now. */
  'unavailable',
  /** The daemon's configuration (config.json, AUTODEV_* or a flag) has a bad value; the message names the field. */
  'config_invalid',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** An error as it crosses the wire (NATS or HTTP). */
export const WireError = z.object({
  code: ErrorCode,
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
  /** Tokens the failed work had already spent: the job's budget counts them. */
  tokens: z.number().int().nonnegative().optional(),
});
export type WireError = z.infer<typeof WireError>;

export interface AutodevErrorOptions {
  cause?: unknown;
  /** Tokens spent before the failure (a model answer that was then rejected). */
  tokens?: number;
}

/**
 * The base of autodev's errors: a stable `code` from ErrorCode, the `cause`,
 * and what the failed work spent. Each layer has its subclass (as nats.js
 * does), so callers branch on the class or the code, never on message text.
 */
export class AutodevError extends Error {
  override readonly name: string = 'AutodevError';
  readonly tokens: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AutodevErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.tokens = options.tokens ?? 0;
  }
}

/** Codes that say the platform failed, not the task: such an attempt costs the task no retry. */
export const INFRASTRUCTURE_CODES: ReadonlySet<ErrorCode> = new Set(['sandbox_failed', 'sandbox_unavailable']);

/** An error that crossed the wire (or will), rebuilt on this side. */
export class ProtocolError extends AutodevError {
  override readonly name = 'ProtocolError';
  constructor(
    code: ErrorCode,
    message: string,
    readonly data?: Record<string, unknown>,
    options: AutodevErrorOptions = {},
  ) {
    super(code, message, options);
  }

  toWire(): WireError {
    return {
      code: this.code,
      message: this.message,
      ...(this.data === undefined ? {} : { data: this.data }),
      ...(this.tokens > 0 ? { tokens: this.tokens } : {}),
    };
  }

  static fromWire(wire: WireError): ProtocolError {
    return new ProtocolError(wire.code, wire.message, wire.data, wire.tokens ? { tokens: wire.tokens } : {});
  }
}

/** Turns anything thrown into a wire error without leaking stack traces. */
export function toWireError(error: unknown, fallback: ErrorCode = 'internal'): WireError {
  if (error instanceof ProtocolError) return error.toWire();
  if (error instanceof AutodevError) return { code: error.code, message: error.message, ...(error.tokens > 0 ? { tokens: error.tokens } : {}) };
  if (error instanceof Error) return { code: fallback, message: error.message };
  return { code: fallback, message: String(error) };
}
