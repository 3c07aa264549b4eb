import { constants, type Dirent } from 'node:fs';
import { mkdir, open, opendir, readlink, symlink, type FileHandle } from 'node:fs/promises';
import { errorCode, folderPath, inFolder, mountOf, openFolderIn, sameMount, shownPath, type MountIdentity } from './folder-handle.js';
import { TreeBoundError, TreeError } from './tree-errors.js';

/**
 * The copying walk under copyTree and copyRegularFiles: source and target
 * folders are held open, and every entry is reached by name in its folder's
 * descriptor (see folder-handle.ts). The source is hostile and may be
 * changing: an entry is judged by what was opened (fstat), not by what the
 * listing said, so a name swapped mid-copy is copied as what it is now or
 * left out, and never followed. The target is the daemon's: created here,
 * with O_EXCL, and never written through a name it did not just create.
 *
 * Modes: folders get the source's mode masked to 0755 plus u+rwx, files the
 * source's masked to 0755 plus u+rw; so a copy never gains setuid, setgid,
 * sticky or group/other write bits, keeps exec bits, and never becomes more
 * readable than its source was. Owners are the daemon's.
 */
export interface CopyWalk {
  /** The source's top, for error messages. */
  from: string;
  skip: (relativePath: string) => boolean;
  maxEntries: number;
  maxBytes: number;
  /** Symlinks are recreated as links with the same target text, or left out. */
  links: 'recreate' | 'leave-out';
  /** The source top's mount: the walk never goes into another. */
  mount: MountIdentity;
  entries: number;
  bytes: number;
  /** Relative paths of the regular files copied, in the order their copies finished. */
  files: string[];
  /** Regular-file copies under way in the whole walk, bounded by PARALLEL_FILES. */
  active: number;
  /** Copies waiting for one of those to end. */
  waiting: Array<() => void>;
}

/**
 * Regular files are copied this many at a time across the whole walk (folders
 * and links one by one, in order): each copy is a handful of thread-pool
 * calls, and one at a time left the pool idle most of the time (a 30 MB
 * node_modules of 808 files took 4.5 times as long as `cp -r`). Bounded for
 * the whole walk, so deep trees do not multiply open descriptors.
 */
const PARALLEL_FILES = 8;

const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const CHUNK = 1024 * 1024;

export const folderMode = (sourceMode: number): number => (sourceMode & 0o755) | 0o700;
export const fileMode = (sourceMode: number): number => (sourceMode & 0o755) | 0o600;

/** Copies what `source` holds into the empty `target`; `relative` is the source folder's path from the top ('' for the top). */
export async function copyFolderContents(source: FileHandle, target: FileHandle, relative: string, walk: CopyWalk): Promise<void> {
  // opendir streams the listing, so a folder of millions of names is not read whole before the bound stops it.
  const listing = await opendir(folderPath(source));
  // This folder's file copies still running: all end before its descriptors may be closed.
  const copies: Array<Promise<void>> = [];
  let failed: { error: unknown } | undefined;
  try {
    for await (const entry of listing) {
      if (failed) break;
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (walk.skip(path)) continue;
      if (++walk.entries > walk.maxEntries) {
        throw new TreeBoundError('maxEntries', walk.maxEntries, `${shownPath(walk.from, '')} holds more than ${walk.maxEntries} entries (maxEntries)`);
      }
      if (!entry.isFile()) {
        await copyEntry(source, target, entry, path, walk);
        continue;
      }
      await acquire(walk);
      copies.push(
        copyEntry(source, target, entry, path, walk)
          .catch((error: unknown) => void (failed ??= { error }))
          .finally(() => release(walk)),
      );
    }
  } finally {
    await Promise.all(copies);
    // for await closes the listing on a normal end; after a throw it may still be open.
    await listing.close().catch(() => undefined);
  }
  if (failed) throw failed.error;
}

async function acquire(walk: CopyWalk): Promise<void> {
  if (walk.active < PARALLEL_FILES) {
    walk.active += 1;
    return;
  }
  // The slot is handed over by release(), so the count never exceeds the bound.
  await new Promise<void>((resolve) => walk.waiting.push(resolve));
}

function release(walk: CopyWalk): void {
  const next = walk.waiting.shift();
  if (next) next();
  else walk.active -= 1;
}

/** Copies one entry as what it is when opened; the listing's type only decides what is tried first. */
async function copyEntry(source: FileHandle, target: FileHandle, entry: Dirent, path: string, walk: CopyWalk): Promise<void> {
  // Never opened: reading a pipe would hang, and opening a device can act on it.
  if (entry.isFIFO() || entry.isSocket() || entry.isCharacterDevice() || entry.isBlockDevice()) return;
  if (entry.isDirectory() && (await copyFolder(source, target, entry.name, path, walk))) return;
  // A listed file is opened first (O_NOFOLLOW): one call fewer for the common case; a link swapped in is then seen by readlink.
  if (!entry.isFile() && (await copyLink(source, target, entry.name, walk))) return;
  const file = await copyFile(source, target, entry.name, path, walk);
  // Swapped for a link since it was listed: recreate it as one, never follow it.
  if (file === 'link') await copyLink(source, target, entry.name, walk);
  // Swapped for a folder since it was listed: copy it as one.
  if (file === 'folder') await copyFolder(source, target, entry.name, path, walk);
}

/** False when the name is not a folder (any more). */
async function copyFolder(source: FileHandle, target: FileHandle, name: string, path: string, walk: CopyWalk): Promise<boolean> {
  const from = await openFolderIn(source, name, false);
  if (from === 'missing') return true;
  if (from === 'not-a-folder') return false;
  try {
    if (!sameMount(await mountOf(from), walk.mount)) {
      throw new TreeError('tree_mount', `refusing to copy ${shownPath(walk.from, path)}: it is a mount point, and a copy never goes into another mount; unmount it first`);
    }
    const mode = (await from.stat()).mode;
    await mkdir(inFolder(target, name), { mode: 0o700 });
    const to = await open(inFolder(target, name), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      await copyFolderContents(from, to, path, walk);
      await to.chmod(folderMode(mode));
    } finally {
      await to.close();
    }
    return true;
  } finally {
    await from.close();
  }
}

/** readlink never follows the link it reads; false when the name is not a link. */
async function copyLink(source: FileHandle, target: FileHandle, name: string, walk: CopyWalk): Promise<boolean> {
  let text: string;
  try {
    text = await readlink(inFolder(source, name));
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EINVAL') return false;
    if (code === 'ENOENT') return true;
    throw error;
  }
  if (walk.links === 'recreate') await symlink(text, inFolder(target, name));
  return true;
}

/** Copies a regular file by content, bounded by its size when opened; pipes, sockets and devices are left out. */
async function copyFile(source: FileHandle, target: FileHandle, name: string, path: string, walk: CopyWalk): Promise<'done' | 'folder' | 'link'> {
  let from: FileHandle;
  try {
    from = await open(inFolder(source, name), FILE_FLAGS);
  } catch (error) {
    const code = errorCode(error);
    // ELOOP: a link (O_NOFOLLOW never opens through it); ENXIO: a socket, never copied as a file.
    if (code === 'ELOOP') return 'link';
    if (code === 'ENOENT' || code === 'ENXIO') return 'done';
    throw error;
  }
  try {
    const info = await from.stat();
    if (info.isDirectory()) return 'folder';
    if (!info.isFile()) return 'done';
    walk.bytes += info.size;
    if (walk.bytes > walk.maxBytes) {
      throw new TreeBoundError('maxBytes', walk.maxBytes, `${shownPath(walk.from, '')} holds more than ${walk.maxBytes} bytes of files (maxBytes)`);
    }
    const to = await open(inFolder(target, name), CREATE_FLAGS, 0o600);
    try {
      await copyBytes(from, to, info.size);
      await to.chmod(fileMode(info.mode));
    } finally {
      await to.close();
    }
    walk.files.push(path);
    return 'done';
  } finally {
    await from.close();
  }
}

/** At most `size` bytes: a file that grows while it is copied cannot push the copy past the byte bound. */
async function copyBytes(from: FileHandle, to: FileHandle, size: number): Promise<void> {
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  let done = 0;
  while (done < size) {
    const { bytesRead } = await from.read(buffer, 0, Math.min(buffer.length, size - done), done);
    if (bytesRead === 0) return;
    await to.write(buffer, 0, bytesRead, done);
    done += bytesRead;
  }
}
