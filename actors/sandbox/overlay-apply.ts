import { randomBytes } from 'node:crypto';
import { constants, type Dirent, type Stats } from 'node:fs';
import { copyFile, lchown, lstat, lutimes, mkdir, open, readdir, readlink, rename, symlink, unlink, type FileHandle } from 'node:fs/promises';
import { errorCode, folderPath, inFolder, openFolderIn } from '../fs/folder-handle.js';
import { removeTree } from '../fs/tree-remove.js';

/**
 * Applies a run's overlay upper layer onto the real workspace (its lower
 * layer), after the run. The upper layer holds exactly the folders in which
 * something changed, each with the entries that were written; what was
 * deleted shows as whiteouts and opaque folders, marked with xattrs Node
 * cannot read. So each changed folder is read against the merged view,
 * which the kernel already resolved: a name the workspace has and the
 * merged folder lacks was deleted, a name in the upper folder was written.
 * Folders with no upper counterpart did not change and are not visited; a
 * folder the workspace did not have is copied whole, without looking.
 *
 * Both sides are walked by descriptor (folder-handle.ts), every entry opened
 * with O_NOFOLLOW and judged by what was opened: links are recreated as
 * links and never followed, on either side. A file replacing one the
 * workspace had is written beside it and renamed over it, so a link or hard
 * link there is replaced, never written through. Owners are kept (the run's
 * user, or the workspace's own for copied-up files: nothing else can own a
 * file there, the sandbox having no CAP_CHOWN); setuid, setgid and sticky
 * bits are dropped; times are kept, for builds that compare them.
 *
 * Measured on two cores shared with other work (load 6 to 8): 10,000 files
 * in 1,000 folders plus one 100 MB file apply in 1.3 to 2.4 s, where cp -a
 * of the same tree takes 0.4 to 0.8 s: about 0.15 ms a file. Six calls a
 * file (open, fstat, copy_file_range, lchown, lutimes, close) are the floor
 * for a copy that pins its source and keeps owners and times.
 */
export interface UpperLayer {
  upper: string;
  merged: string;
  target: string;
}

/** One folder on the three sides. `merged` is null for a folder the workspace did not have: it is the upper folder. */
interface Folder {
  upper: FileHandle;
  merged: FileHandle | null;
  target: FileHandle;
  walk: Walk;
}

/** Subtrees walked beside the main one: most steps wait on one small syscall, so folders side by side keep the pool busy. */
interface Walk {
  beside: number;
}
const MAX_BESIDE = 6;

const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const CHUNK = 1024 * 1024;
/** Entries of one folder applied at once; enough to keep the libuv pool's four threads busy. */
const BATCH = 16;

export async function applyUpper(layer: UpperLayer): Promise<void> {
  const dirs = await Promise.all([layer.upper, layer.merged, layer.target].map((path) => open(path, constants.O_RDONLY | constants.O_DIRECTORY)));
  try {
    const [upper, merged, target] = dirs as [FileHandle, FileHandle, FileHandle];
    await applyFolder({ upper, merged, target, walk: { beside: 0 } });
  } finally {
    await Promise.all(dirs.map((d) => d.close()));
  }
}

async function applyFolder(folder: Folder): Promise<void> {
  let shown: Set<string> | undefined;
  if (folder.merged) {
    const names = new Set(await readdir(folderPath(folder.merged)));
    for (const name of await readdir(folderPath(folder.target))) {
      if (!names.has(name)) await removeIn(folder.target, name);
    }
    shown = names;
  }
  // Whiteouts (0/0 character devices) are not in the merged view, and their deletion was just done; no other device can be made in a sandbox.
  const written = (await readdir(folderPath(folder.upper), { withFileTypes: true })).filter((e) => !e.isCharacterDevice() && (shown?.has(e.name) ?? true));
  const others = written.filter((e) => !e.isDirectory());
  for (let i = 0; i < others.length; i += BATCH) await settleAll(others.slice(i, i + BATCH).map((e) => applyEntry(folder, e)));
  // A subtree goes beside the walk while the budget allows, else in line: descriptors stay within (MAX_BESIDE + 1) × depth × 3.
  const beside: Array<Promise<void>> = [];
  let failed: { error: unknown } | undefined;
  for (const entry of written.filter((e) => e.isDirectory())) {
    if (folder.walk.beside < MAX_BESIDE) {
      folder.walk.beside += 1;
      beside.push(applyEntry(folder, entry).finally(() => (folder.walk.beside -= 1)));
      continue;
    }
    try {
      await applyEntry(folder, entry);
    } catch (error) {
      failed = { error };
      break;
    }
  }
  // Every subtree beside is settled before this folder's descriptors can close, whatever failed.
  await settleAll(beside);
  if (failed) throw failed.error;
}

/** allSettled: a descriptor is closed after this, and a path naming it must never be used once its number is reused. */
async function settleAll(work: Array<Promise<unknown>>): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
}

/** One written entry, as what it is when opened: the listing's type only decides what is tried first. */
async function applyEntry(folder: Folder, entry: Dirent): Promise<void> {
  if (entry.isDirectory() && (await applySubfolder(folder, entry.name))) return;
  if (entry.isSymbolicLink() && (await applyLink(folder, entry.name))) return;
  const file = await applyFile(folder, entry.name);
  if (file === 'folder') await applySubfolder(folder, entry.name);
  else if (file === 'link') await applyLink(folder, entry.name);
}

/** False when the name is not a folder in the upper layer (any more). */
async function applySubfolder(folder: Folder, name: string): Promise<boolean> {
  const upper = await openFolderIn(folder.upper, name, false);
  if (upper === 'missing') return true;
  if (upper === 'not-a-folder') return false;
  const opened: FileHandle[] = [upper];
  try {
    let merged: FileHandle | null = null;
    let target: FileHandle | undefined;
    if (folder.merged) {
      const view = await openFolderIn(folder.merged, name, false);
      // The merged view shows what the upper layer has; a mismatch means it changed since, and it is left as it was.
      if (typeof view === 'string') return true;
      opened.push(view);
      const existing = await openFolderIn(folder.target, name, false);
      if (typeof existing !== 'string') {
        target = existing;
        merged = view;
      } else if (existing === 'not-a-folder') await removeIn(folder.target, name);
    }
    target ??= await makeFolder(folder.target, name);
    opened.push(target);
    await applyFolder({ upper, merged, target, walk: folder.walk });
    const info = await upper.stat();
    await target.chown(info.uid, info.gid);
    await target.chmod(info.mode & 0o777);
    await target.utimes(info.atime, info.mtime);
    return true;
  } finally {
    await Promise.all(opened.map((handle) => handle.close()));
  }
}

async function makeFolder(parent: FileHandle, name: string): Promise<FileHandle> {
  await mkdir(inFolder(parent, name), { mode: 0o700 });
  const made = await openFolderIn(parent, name, false);
  if (typeof made === 'string') throw new Error(`the folder ${JSON.stringify(name)} just made in the workspace is ${made}`);
  return made;
}

/** readlink never follows the link it reads; false when the name is not a link. */
async function applyLink(folder: Folder, name: string): Promise<boolean> {
  let text: string;
  try {
    text = await readlink(inFolder(folder.upper, name));
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EINVAL') return false;
    if (code === 'ENOENT') return true;
    throw error;
  }
  // lstat names the link itself: only the folder part of the path is a magic link.
  const info = await lstat(inFolder(folder.upper, name)).catch(() => undefined);
  await placeIn(folder, name, async (path) => {
    await symlink(text, path);
    if (info) {
      await lchown(path, info.uid, info.gid);
      await lutimes(path, info.atime, info.mtime);
    }
  });
  return true;
}

/** Copies a regular file; a pipe or socket is not copied, and what the workspace had in its place goes. */
async function applyFile(folder: Folder, name: string): Promise<'done' | 'folder' | 'link'> {
  let from: FileHandle;
  try {
    from = await open(inFolder(folder.upper, name), FILE_FLAGS);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return 'done';
    if (code === 'ELOOP') return 'link';
    if (code !== 'ENXIO') throw error;
    // A socket.
    if (folder.merged) await removeIn(folder.target, name);
    return 'done';
  }
  try {
    const info = await from.stat();
    if (info.isDirectory()) return 'folder';
    if (!info.isFile()) {
      if (folder.merged) await removeIn(folder.target, name);
      return 'done';
    }
    await placeIn(folder, name, (path) => copyInto(from, info, path));
    return 'done';
  } finally {
    await from.close();
  }
}

/**
 * fs.copyFile copies in one call (copy_file_range) and gives the copy the
 * source's mode; a mode with setuid, setgid or sticky bits is copied by
 * hand instead, so a root-owned copy never has them, not even for a moment.
 */
async function copyInto(from: FileHandle, info: Stats, path: string): Promise<void> {
  if ((info.mode & 0o7000) === 0) {
    // The magic link names the opened file itself; EXCL creates the copy without following anything.
    await copyFile(folderPath(from), path, constants.COPYFILE_EXCL);
    await lchown(path, info.uid, info.gid);
    await lutimes(path, info.atime, info.mtime);
    return;
  }
  const to = await open(path, CREATE_FLAGS, 0o600);
  try {
    let done = 0;
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(info.size, 1)));
    while (done < info.size) {
      const { bytesRead } = await from.read(buffer, 0, Math.min(buffer.length, info.size - done), done);
      if (bytesRead === 0) break;
      await to.write(buffer, 0, bytesRead, done);
      done += bytesRead;
    }
    await to.chown(info.uid, info.gid);
    await to.chmod(info.mode & 0o777);
    await to.utimes(info.atime, info.mtime);
  } finally {
    await to.close();
  }
}

/**
 * Makes an entry at `name` in the target: directly in a folder the walk
 * just made, else under a fresh name renamed over the old entry (a folder
 * in the way is removed first).
 */
async function placeIn(folder: Folder, name: string, make: (path: string) => Promise<void>): Promise<void> {
  if (!folder.merged) {
    await make(inFolder(folder.target, name));
    return;
  }
  const temporary = inFolder(folder.target, `.autodev-apply-${randomBytes(6).toString('hex')}`);
  try {
    await make(temporary);
    await rename(temporary, inFolder(folder.target, name)).catch(async (error: unknown) => {
      const code = errorCode(error);
      if (code !== 'EISDIR' && code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      await removeIn(folder.target, name);
      await rename(temporary, inFolder(folder.target, name));
    });
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/** Removes a name in the target: a folder by descriptor (tree-remove.ts), a link as a link. */
async function removeIn(target: FileHandle, name: string): Promise<void> {
  await removeTree(inFolder(target, name));
}
