import * as nodeFs from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';

let sequence = 0;

/**
 * isomorphic-git writes loose objects and refs with a plain writeFile, so a
 * daemon killed mid-write (or a reader racing the write) finds an empty
 * object and a corrupt repository. Git itself writes a temporary file and
 * renames it into place; this does the same, so a file is either whole or
 * absent.
 */
async function writeFileAtomically(path: nodeFs.PathLike, data: string | Uint8Array, options?: nodeFs.WriteFileOptions): Promise<void> {
  const target = String(path);
  const temporary = `${target}.tmp-${process.pid}-${(sequence += 1)}`;
  try {
    await writeFile(temporary, data, options);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The `fs` every isomorphic-git call in this project is given. */
export const gitFs = { ...nodeFs, promises: { ...nodeFs.promises, writeFile: writeFileAtomically } };
