/**
 * Local errors of the sandbox layer. They never cross the wire as such: a
 * caller that reports them turns them into a wire error of its own.
 */
export type SandboxErrorCode =
  /** No backend can isolate code here, and running unsandboxed was not allowed. */
  | 'sandbox_unavailable'
  /** The workspace or cwd given to run() is not usable. */
  | 'sandbox_bad_request'
  /** The backend itself failed (engine gone, image missing): not the command's fault. */
  | 'sandbox_failed';

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  constructor(
    readonly code: SandboxErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
