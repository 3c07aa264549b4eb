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
  'daemon_unreachable',
  /** The daemon's NATS bus is down (being restarted); nothing was saved. */
  'bus_unavailable',
  /** A request body over the API's size limit. */
  'payload_too_large',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** An error as it crosses the wire (NATS or HTTP). */
export const WireError = z.object({
  code: ErrorCode,
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type WireError = z.infer<typeof WireError>;

/** An error that crossed the wire, rebuilt on this side. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toWire(): WireError {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  static fromWire(wire: WireError): ProtocolError {
    return new ProtocolError(wire.code, wire.message, wire.data);
  }
}

/** Turns anything thrown into a wire error without leaking stack traces. */
export function toWireError(error: unknown, fallback: ErrorCode = 'internal'): WireError {
  if (error instanceof ProtocolError) return error.toWire();
  if (error instanceof Error) return { code: fallback, message: error.message };
  return { code: fallback, message: String(error) };
}
