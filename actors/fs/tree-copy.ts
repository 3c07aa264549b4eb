import { constants } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { errorCode, FOLDER_FLAGS, inFolder, mountOf, shownPath } from './folder-handle.js';
import { TreeError } from './tree-errors.js';
import { removeTree } from './tree-remove.js';
import { copyFolderContents, folderMode, type CopyWalk } from './tree-walk-copy.js';

export interface CopyTreeOptions {
  /** Given each entry's '/'-separated path relative to `from`; true leaves the entry (and all under it) out. */
  skip?: (relativePath: string) => boolean;
  /** Entries copied or left out as pipes and the like, skipped ones not counted. */
  maxEntries?: number;
  /** Bytes of regular files. */
  maxBytes?: number;
}

/** Defaults for callers that name no bound: a hostile tree is never copied unbounded. */
const DEFAULT_MAX_ENTRIES = 1_000_000;
const DEFAULT_MAX_BYTES = 8 * 1024 ** 3;

/**
 * Copies the hostile tree at `from` to `to`, which must not exist yet. `from`
 * itself must be a real folder (a symlink there is refused, not followed);
 * the folders above `from` and `to` are the daemon's and are followed.
 * Folders and files are copied by content (never hard links), symlinks are
 * recreated as links with the same target text, pipes, sockets and devices
 * are left out, and no folder on another mount is entered. `to` is made
 * 0700 while the copy runs and gets its source's masked mode at the end
 * (see tree-walk-copy.ts); on failure nothing of `to` is left.
 */
export async function copyTree(from: string, to: string, options: CopyTreeOptions = {}): Promise<void> {
  const source = await openSourceTop(from);
  try {
    await copyOpened(source, resolve(from), to, { ...options, links: 'recreate' });
  } finally {
    await source.close();
  }
}

async function openSourceTop(from: string): Promise<FileHandle> {
  try {
    return await open(resolve(from), FOLDER_FLAGS);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR') {
      throw new TreeError('tree_not_folder', `cannot copy ${shownPath(from, '')}: it is missing, a symlink or not a folder`, { cause: error });
    }
    throw error;
  }
}

/**
 * Copies the opened folder `source` (shown as `from`) to the new folder `to`;
 * returns the regular files copied, relative to `from`.
 */
export async function copyOpened(source: FileHandle, from: string, to: string, options: CopyTreeOptions & Pick<CopyWalk, 'links'>): Promise<string[]> {
  const target = resolve(to);
  const parent = await open(dirname(target), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    const walk: CopyWalk = {
      from,
      skip: options.skip ?? (() => false),
      maxEntries: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
      links: options.links,
      mount: await mountOf(source),
      entries: 0,
      bytes: 0,
      files: [],
      active: 0,
      waiting: [],
    };
    const name = basename(target);
    await mkdir(inFolder(parent, name), { mode: 0o700 }).catch((error: unknown) => {
      if (errorCode(error) === 'EEXIST') throw new TreeError('tree_exists', `cannot copy into ${target}: it exists already, and a copy only goes into a new folder`);
      throw error;
    });
    try {
      const top = await open(inFolder(parent, name), FOLDER_FLAGS);
      try {
        await copyFolderContents(source, top, '', walk);
        await top.chmod(folderMode((await source.stat()).mode));
      } finally {
        await top.close();
      }
    } catch (error) {
      await removeTree(target).catch(() => undefined);
      throw error;
    }
    return walk.files;
  } finally {
    await parent.close();
  }
}
