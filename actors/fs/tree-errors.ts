import { AutodevError, type ErrorCode } from '../../proto/index.js';

/** Why a removal or copy of a hostile tree stopped (`TreeError.reason`). */
export type TreeErrorCode =
  /** A folder in the tree is another mount: going through it would reach (and delete) its source. */
  | 'tree_mount'
  /** Entries kept reappearing: a live writer is still in the tree. */
  | 'tree_changing'
  /** A copy would exceed maxEntries or maxBytes. */
  | 'tree_too_big'
  /** The top of a copy is missing, a symlink or not a folder. */
  | 'tree_not_folder'
  /** The target of a copy exists already. */
  | 'tree_exists';

/** The wire code each reason is answered with: what a client can do about it, not how the walk stopped. */
const WIRE_CODE: Readonly<Record<TreeErrorCode, ErrorCode>> = {
  tree_mount: 'forbidden',
  tree_changing: 'conflict',
  tree_too_big: 'payload_too_large',
  tree_not_folder: 'bad_request',
  tree_exists: 'conflict',
};

export class TreeError extends AutodevError {
  override readonly name = 'TreeError';

  constructor(
    /** Why the walk stopped; `code` is the broader ErrorCode a client sees. */
    readonly reason: TreeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(WIRE_CODE[reason], message, options);
  }
}

/** A copy bound was passed; `bound` says which, so callers can word their own message. */
export class TreeBoundError extends TreeError {
  constructor(
    readonly bound: 'maxEntries' | 'maxBytes',
    readonly limit: number,
    message: string,
  ) {
    super('tree_too_big', message);
  }
}
