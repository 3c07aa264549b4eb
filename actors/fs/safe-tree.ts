/**
 * Race-free host-side removal and copy of trees that sandboxed code or a
 * model can write: work folders, acceptance rounds, validation exports, the
 * dependency cache. Everything below the daemon-chosen top is reached by
 * file descriptor (see folder-handle.ts), never by re-resolving a path, so a
 * process still running in the tree cannot redirect the walk with a symlink;
 * and no walk crosses into another mount. Use these, never fs.rm or fs.cp
 * with `recursive`, for any such tree.
 */
export { removeTree } from './tree-remove.js';
export { copyTree, type CopyTreeOptions } from './tree-copy.js';
export { TreeBoundError, TreeError, type TreeErrorCode } from './tree-errors.js';
