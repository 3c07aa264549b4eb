import { constants } from 'node:fs';
import { lstat, open, opendir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode, folderPath, inFolder, openFolderIn } from '../fs/folder-handle.js';
import { readFileNoFollow, UnsafeWritePathError, writeFileUnder, type FileOwner } from '../fs/safe-write.js';

/**
 * Writing a sandbox run's changes from its private copy back into the
 * user's folder (`autodev sandbox run --write-back`). The copy is hostile:
 * the run could plant links, devices and folders swapped mid-walk, so it is
 * walked by descriptor and never followed (see folder-handle.ts). The target
 * is written only through writeFileUnder, which never follows a link there.
 *
 * Only regular files that are new or whose content changed are written.
 * Not written back: deletions, symlinks, pipes and devices, mode changes,
 * empty folders, and whatever `refuse` names. A rewritten file keeps its
 * owner and permission bits (setuid and setgid dropped: its content now
 * comes from the run); a new one gets the run's permission bits without
 * setuid, setgid or group/other write, and belongs to `owner`.
 */
export interface WriteBackOptions {
  /** Why a path (relative, '/'-separated) is never written back, or undefined. A refused folder is not entered. */
  refuse: (relativePath: string) => string | undefined;
  /** Who new files and folders belong to; set only by a root daemon (chown). */
  owner?: FileOwner;
  /** Entries looked at, and bytes of changed files written: past either, the write-back stops and says so. */
  maxEntries: number;
  maxBytes: number;
}

export interface WriteBackReport {
  written: string[];
  skipped: Array<{ path: string; why: string }>;
}

interface Walk extends WriteBackOptions, WriteBackReport {
  target: string;
  entries: number;
  bytes: number;
  stopped: boolean;
}

const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export async function writeBackChanges(copy: string, target: string, options: WriteBackOptions): Promise<WriteBackReport> {
  const walk: Walk = { ...options, target, written: [], skipped: [], entries: 0, bytes: 0, stopped: false };
  // `copy` is the daemon's own scratch path: its top may be followed, nothing below it.
  const top = await open(copy, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await walkFolder(top, '', walk);
  } finally {
    await top.close();
  }
  return { written: walk.written, skipped: walk.skipped };
}

async function walkFolder(folder: FileHandle, relative: string, walk: Walk): Promise<void> {
  const listing = await opendir(folderPath(folder));
  try {
    for await (const entry of listing) {
      if (walk.stopped) return;
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (++walk.entries > walk.maxEntries) return stop(walk, `more than ${walk.maxEntries} entries in the run's copy`);
      const refused = walk.refuse(path);
      if (refused) walk.skipped.push({ path, why: refused });
      else if (entry.isSymbolicLink()) walk.skipped.push({ path, why: 'a symlink: links are never written back' });
      else if (entry.isDirectory()) await walkChild(folder, entry.name, path, walk);
      else if (entry.isFile()) await writeBackFile(folder, entry.name, path, walk);
      else walk.skipped.push({ path, why: 'not a regular file (a pipe, socket or device)' });
    }
  } finally {
    await listing.close().catch(() => undefined);
  }
}

async function walkChild(parent: FileHandle, name: string, path: string, walk: Walk): Promise<void> {
  // unlock: the copy is the daemon's, and a run may have left a folder mode 000.
  const child = await openFolderIn(parent, name, true);
  if (child === 'missing') return;
  if (child === 'not-a-folder') {
    walk.skipped.push({ path, why: 'changed into something else while it was read' });
    return;
  }
  try {
    await walkFolder(child, path, walk);
  } finally {
    await child.close();
  }
}

async function writeBackFile(parent: FileHandle, name: string, path: string, walk: Walk): Promise<void> {
  const file = await readOpenedFile(parent, name, walk.maxBytes);
  if (file === 'too-big') return stop(walk, `${path} is larger than ${walk.maxBytes} bytes`);
  if (!file) {
    walk.skipped.push({ path, why: 'changed into something else, or unreadable, while it was read' });
    return;
  }
  const existing = await lstat(join(walk.target, path)).catch(() => undefined);
  if (existing && !existing.isFile()) {
    walk.skipped.push({ path, why: existing.isSymbolicLink() ? 'a symlink in your folder is there: it is never replaced' : 'something other than a file is there in your folder' });
    return;
  }
  if (existing && (await readFileNoFollow(join(walk.target, path)))?.equals(file.bytes)) return;
  if ((walk.bytes += file.bytes.length) > walk.maxBytes) return stop(walk, `more than ${walk.maxBytes} bytes of changed files`);
  const owner = existing ? (walk.owner ? { uid: existing.uid, gid: existing.gid } : undefined) : walk.owner;
  const mode = existing ? existing.mode & 0o777 : file.mode & 0o755;
  try {
    await writeFileUnder(walk.target, path, file.bytes, { mode, ...(owner ? { owner } : {}) });
    walk.written.push(path);
  } catch (error) {
    if (!(error instanceof UnsafeWritePathError)) throw error;
    walk.skipped.push({ path, why: error.message });
  }
}

/**
 * The file as opened (never through a link): its first `size` bytes, as
 * fstat gave it, so a file still growing cannot outrun the bound; null when
 * it is no longer a regular file or cannot be read.
 */
async function readOpenedFile(parent: FileHandle, name: string, maxBytes: number): Promise<{ bytes: Buffer; mode: number } | 'too-big' | null> {
  let handle: FileHandle;
  try {
    handle = await open(inFolder(parent, name), FILE_FLAGS);
  } catch (error) {
    if (['ENOENT', 'ELOOP', 'ENXIO', 'EACCES'].includes(errorCode(error) ?? '')) return null;
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return null;
    if (info.size > maxBytes) return 'too-big';
    const bytes = Buffer.alloc(info.size);
    let done = 0;
    while (done < info.size) {
      const { bytesRead } = await handle.read(bytes, done, info.size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return { bytes: bytes.subarray(0, done), mode: info.mode };
  } finally {
    await handle.close();
  }
}

function stop(walk: Walk, why: string): void {
  walk.stopped = true;
  walk.skipped.push({ path: '.', why: `write-back stopped: ${why}; what came after was not written back` });
}
