import { ProtocolError, toWireError, type ErrorCode, type WireError } from '../proto/index.js';
import { EXIT } from './exit-codes.js';

export { EXIT } from './exit-codes.js';

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
    // Both mean "cannot be reached now, try again later": the daemon, or a host or part it needs (a model download offline).
    if (error.code === 'daemon_unreachable' || error.code === 'unavailable') return EXIT.unreachable;
    return USAGE_CODES.includes(error.code) ? EXIT.usage : EXIT.jobFailed;
  }
  return EXIT.jobFailed;
}

/** What `--json` prints for an error: a CliError (local) mapped onto the wire's codes, anything else as the wire sees it. */
export function wireErrorFor(error: unknown): WireError {
  if (!(error instanceof CliError)) return toWireError(error);
  const code = error.code === 'usage' ? 'bad_request' : error.code === 'unreachable' ? 'daemon_unreachable' : 'internal';
  return { code, message: error.message };
}
