import { ProtocolError, type ErrorCode } from '../proto/index.js';

/** Exit codes are part of the CLI's contract; scripts branch on them. */
export const EXIT = {
  ok: 0,
  jobFailed: 1,
  usage: 2,
  unreachable: 3,
} as const;

/** A local error: it carries its exit code and never crosses the wire. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly code: 'usage' | 'unreachable' | 'failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get exitCode(): number {
    if (this.code === 'usage') return EXIT.usage;
    if (this.code === 'unreachable') return EXIT.unreachable;
    return EXIT.jobFailed;
  }
}

const USAGE_CODES: readonly ErrorCode[] = ['bad_request', 'not_found', 'conflict', 'model_not_configured'];

export function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof ProtocolError) {
    if (error.code === 'daemon_unreachable') return EXIT.unreachable;
    return USAGE_CODES.includes(error.code) ? EXIT.usage : EXIT.jobFailed;
  }
  return EXIT.jobFailed;
}
