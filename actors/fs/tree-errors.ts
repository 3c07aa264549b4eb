/** Why a removal or copy of a hostile tree stopped; local errors, never sent over the wire as they are. */
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

export class TreeError extends Error {
  override readonly name = 'TreeError';

  constructor(
    readonly code: TreeErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
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
