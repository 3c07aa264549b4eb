import { constants } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { openFolderIn } from './folder-handle.js';
import { writeSegments } from './safe-write.js';
import { copyOpened } from './tree-copy.js';

/**
 * Opens `root/relativePath` one component at a time without following a
 * symlink; null when any component is missing, a link or not a folder.
 */
async function openRealFolder(root: string, relativePath: string): Promise<FileHandle | null> {
  let dir = await open(root, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    for (const segment of writeSegments(relativePath)) {
      const next = await openFolderIn(dir, segment, false);
      if (typeof next === 'string') {
        await dir.close();
        return null;
      }
      await dir.close();
      dir = next;
    }
    return dir;
  } catch (error) {
    await dir.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Copies the regular files under `root/from` (a folder sandboxed code wrote,
 * such as a build's dist/) to `target`, which must not exist yet, leaving out
 * symlinks and anything that is not a plain file or folder: a link to a host
 * file must not carry that file into the result. The walk goes by descriptor
 * (see safe-tree.ts), so a folder swapped for a link mid-copy is not
 * entered. Returns the copied paths; none when `from` is not a real folder.
 */
export async function copyRegularFiles(root: string, from: string, target: string): Promise<string[]> {
  const source = await openRealFolder(root, from);
  if (!source) return [];
  try {
    // The folders above `target` are the daemon's own (artifacts/), never one a sandbox writes.
    await mkdir(dirname(target), { recursive: true });
    return await copyOpened(source, join(root, from), target, { links: 'leave-out' });
  } finally {
    await source.close();
  }
}
