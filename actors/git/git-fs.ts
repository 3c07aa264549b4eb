import * as nodeFs from 'node:fs';
import { writeFileAtomically } from '../fs/write-file-atomically.js';

/**
 * isomorphic-git writes loose objects and refs with a plain writeFile, so a
 * daemon killed mid-write (or a reader racing the write) finds an empty
 * object and a corrupt repository. Git itself writes a temporary file and
 * renames it into place; this does the same, so a file is either whole or
 * absent.
 */
function writeGitFile(path: nodeFs.PathLike, data: string | Uint8Array, options?: nodeFs.WriteFileOptions): Promise<void> {
  const mode = typeof options === 'object' && options !== null && typeof options.mode === 'number' ? options.mode : undefined;
  return writeFileAtomically(String(path), data, mode === undefined ? {} : { mode });
}

/** The `fs` every isomorphic-git call in this project is given. */
export const gitFs = { ...nodeFs, promises: { ...nodeFs.promises, writeFile: writeGitFile } };
