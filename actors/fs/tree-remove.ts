import { constants, type Dirent } from 'node:fs';
import { open, readdir, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { errorCode, folderPath, inFolder, makeFolderWritable, mountOf, openFolderIn, sameMount, shownPath, type MountIdentity } from './folder-handle.js';
import { TreeError } from './tree-errors.js';

/**
 * Removing a tree that sandboxed code or a model could write, while
 * something may still be changing it. fs.rm resolves each path again at
 * every level, so a folder swapped for a symlink mid-walk redirects it to
 * the link's target (issue 19: root-owned host files were deleted that way).
 * Here every folder is opened relative to its parent's descriptor with
 * O_NOFOLLOW and entries are unlinked by name in the folder that was opened:
 * a symlink is only ever removed as a link, and no folder outside the tree
 * can be reached by name. A mount inside the tree is refused, never entered.
 */

/** How often one folder is listed again, or one name retried, before a live writer is called out. */
const MAX_PASSES = 8;
/**
 * Entries removed alongside the rest, across the whole walk. An entry that
 * finds no free slot is removed in line instead, so open folders stay below
 * (slots + 1) x depth however wide the tree, while the thread pool is kept
 * busy: one entry at a time is latency-bound and three times slower than fs.rm.
 */
const CONCURRENT_ENTRIES = 32;

interface Walk {
  top: string;
  /** The top folder's mount; set when it is opened. */
  mount: MountIdentity | null;
  freeSlots: number;
}

/**
 * Removes `path` and everything under it. `path` is the daemon's own choice,
 * so the folders above it are followed; it and everything below it are
 * treated as hostile. A missing path is fine; a symlink at `path` is removed
 * as a link.
 */
export async function removeTree(path: string): Promise<void> {
  const absolute = resolve(path);
  if (absolute === '/') throw new TreeError('tree_mount', 'refusing to remove /');
  let parent: FileHandle;
  try {
    parent = await open(dirname(absolute), constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  try {
    await removeEntry(parent, basename(absolute), '', { top: absolute, mount: null, freeSlots: CONCURRENT_ENTRIES }, true);
  } finally {
    await parent.close();
  }
}

/** Removes one name in `parent`, whatever it is now; `folderHint` is what the listing said it was. */
async function removeEntry(parent: FileHandle, name: string, relative: string, walk: Walk, folderHint: boolean): Promise<void> {
  let asFolder = folderHint;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    if (!asFolder) {
      if ((await unlinkIn(parent, name)) === 'done') return;
      asFolder = true;
      continue;
    }
    const folder = await openFolderIn(parent, name, true);
    if (folder === 'missing') return;
    if (folder === 'not-a-folder') {
      asFolder = false;
      continue;
    }
    try {
      await checkMount(folder, relative, walk);
      await makeFolderWritable(folder);
      await emptyFolder(folder, relative, walk);
    } finally {
      await folder.close();
    }
    // Only an empty folder can go by name: whatever replaced the one just emptied is dealt with on the next pass.
    const removed = await rmdirIn(parent, name, relative, walk);
    if (removed === 'done') return;
    asFolder = removed === 'not-empty';
  }
  throw changing(relative, walk);
}

async function emptyFolder(folder: FileHandle, relative: string, walk: Walk): Promise<void> {
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const entries: Dirent[] = await readdir(folderPath(folder), { withFileTypes: true });
    if (entries.length === 0) return;
    const child = (entry: Dirent) => (relative ? `${relative}/${entry.name}` : entry.name);
    const running: Promise<void>[] = [];
    const errors: unknown[] = [];
    for (const entry of entries) {
      if (errors.length > 0) break;
      const removal = removeEntry(folder, entry.name, child(entry), walk, entry.isDirectory()).catch((error: unknown) => void errors.push(error));
      if (walk.freeSlots > 0) {
        walk.freeSlots -= 1;
        running.push(removal.finally(() => (walk.freeSlots += 1)));
      } else {
        await removal;
      }
    }
    // Every removal settles before this returns: the folder's descriptor is closed next, and a path naming it must never run once its number is reused.
    await Promise.all(running);
    if (errors.length > 0) throw errors[0];
  }
  throw changing(relative, walk);
}

async function checkMount(folder: FileHandle, relative: string, walk: Walk): Promise<void> {
  const mount = await mountOf(folder);
  if (walk.mount === null) {
    walk.mount = mount;
    return;
  }
  if (!sameMount(mount, walk.mount)) {
    throw new TreeError(
      'tree_mount',
      `refusing to remove ${shownPath(walk.top, relative)}: it is a mount point, and removing what is under it would delete the mounted folder's own files; unmount it first`,
    );
  }
}

/** unlink never follows a symlink in its last component: a link goes as a link. */
async function unlinkIn(parent: FileHandle, name: string): Promise<'done' | 'folder'> {
  try {
    await unlink(inFolder(parent, name));
    return 'done';
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return 'done';
    if (code === 'EISDIR') return 'folder';
    throw error;
  }
}

async function rmdirIn(parent: FileHandle, name: string, relative: string, walk: Walk): Promise<'done' | 'not-empty' | 'not-a-folder'> {
  try {
    await rmdir(inFolder(parent, name));
    return 'done';
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return 'done';
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return 'not-empty';
    if (code === 'ENOTDIR') return 'not-a-folder';
    if (code === 'EBUSY') throw new TreeError('tree_mount', `cannot remove ${shownPath(walk.top, relative)}: something is mounted on it; unmount it first`, { cause: error });
    throw error;
  }
}

const changing = (relative: string, walk: Walk) =>
  new TreeError(
    'tree_changing',
    `gave up removing ${shownPath(walk.top, relative)}: entries kept reappearing after ${MAX_PASSES} passes, so a process is still writing there; stop it and remove the folder again`,
  );
