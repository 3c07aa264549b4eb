import { AutodevError } from '../../proto/index.js';

/**
 * Errors of the sandbox layer: the sandbox, not the code in it, failed. A
 * task whose attempt ends on one is retried without the attempt counting.
 */
export type SandboxErrorCode =
  /** No backend can isolate code here, and running unsandboxed was not allowed. */
  | 'sandbox_unavailable'
  /** The workspace or cwd given to run() is not usable. */
  | 'sandbox_bad_request'
  /** The backend itself failed (engine gone, image missing): not the command's fault. */
  | 'sandbox_failed'
  /** The command filled its run's disk volume (sandbox.diskLimitMb): its fault, and its writes were dropped. */
  | 'sandbox_disk_limit';

export class SandboxError extends AutodevError {
  override readonly name = 'SandboxError';
  declare readonly code: SandboxErrorCode;
  constructor(code: SandboxErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
