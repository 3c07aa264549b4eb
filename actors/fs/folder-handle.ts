import { constants } from 'node:fs';
import { chmod, open, readFile, type FileHandle } from 'node:fs/promises';

/**
 * Walking a tree that sandboxed code or a model can write, one folder
 * descriptor at a time. Node has no openat, so a child is named through
 * /proc/self/fd/<fd>/<name>: the kernel resolves the magic link to the very
 * folder that descriptor holds (even if it was renamed since), and only the
 * last component is looked up by name, with O_NOFOLLOW where it is opened.
 * A symlink swapped in between a listing and an open therefore gives ELOOP
 * or ENOTDIR, never the folder it points to.
 */
export const FOLDER_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * O_PATH, not in fs.constants: the same value on every Linux architecture
 * Node runs on (alpha, parisc and sparc differ). It opens a folder without
 * read permission, so a mode-000 folder can be pinned before it is chmodded.
 */
const O_PATH = 0o10000000;

export const inFolder = (dir: FileHandle, name: string): string => `/proc/self/fd/${dir.fd}/${name}`;
export const folderPath = (dir: FileHandle): string => `/proc/self/fd/${dir.fd}`;

export const errorCode = (error: unknown): string | undefined =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

// The effective uid decides what the kernel allows: permission checks never look at the real one.
const isRoot = (): boolean => process.geteuid?.() === 0;

export type OpenedFolder = FileHandle | 'missing' | 'not-a-folder';

/**
 * Opens `name` in `parent` as a folder, never through a symlink. With
 * `unlock`, a folder the daemon owns but cannot read (a sandbox left it mode
 * 000 or 0100) is given u+rwx first; as root, modes never stand in the way.
 */
export async function openFolderIn(parent: FileHandle, name: string, unlock: boolean): Promise<OpenedFolder> {
  try {
    return await open(inFolder(parent, name), FOLDER_FLAGS);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return 'missing';
    if (code === 'ELOOP' || code === 'ENOTDIR') return 'not-a-folder';
    if (code === 'EACCES' && unlock && !isRoot()) return unlockFolder(parent, name, error);
    throw error;
  }
}

/**
 * Pins the folder with O_PATH (no read permission needed, still no
 * following), then chmods and reopens that very inode through its magic
 * link: the name cannot be swapped between the chmod and the open.
 */
async function unlockFolder(parent: FileHandle, name: string, denied: unknown): Promise<OpenedFolder> {
  let pinned: FileHandle;
  try {
    pinned = await open(inFolder(parent, name), O_PATH | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return 'missing';
    if (code === 'ELOOP' || code === 'ENOTDIR') return 'not-a-folder';
    throw error;
  }
  try {
    const info = await pinned.stat();
    if (info.uid !== process.geteuid?.()) throw denied;
    await chmod(folderPath(pinned), (info.mode & 0o7777) | 0o700);
    // The magic link itself must be followed here: it names the pinned inode, nothing else.
    return await open(folderPath(pinned), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NONBLOCK);
  } finally {
    await pinned.close();
  }
}

/** Gives an opened folder u+rwx when the daemon owns it and is not root, so its entries can be listed, entered and unlinked. */
export async function makeFolderWritable(folder: FileHandle): Promise<void> {
  if (isRoot()) return;
  const info = await folder.stat();
  if ((info.mode & 0o700) !== 0o700 && info.uid === process.geteuid?.()) await folder.chmod((info.mode & 0o7777) | 0o700);
}

/** Which filesystem and which mount a descriptor lies on: a bind mount of the same filesystem has the same st_dev but its own mount id. */
export interface MountIdentity {
  dev: number;
  /** From /proc/self/fdinfo; null on a kernel that does not report it (before 3.15), where st_dev alone decides. */
  mountId: number | null;
}

export async function mountOf(handle: FileHandle): Promise<MountIdentity> {
  const { dev } = await handle.stat();
  const info = await readFile(`/proc/self/fdinfo/${handle.fd}`, 'utf8').catch(() => '');
  const match = /^mnt_id:\s*(\d+)$/m.exec(info);
  return { dev, mountId: match?.[1] ? Number(match[1]) : null };
}

export const sameMount = (a: MountIdentity, b: MountIdentity): boolean => a.dev === b.dev && a.mountId === b.mountId;

/** A path for an error message: names come from a hostile tree, so control characters are escaped, never printed. */
export const shownPath = (top: string, relative: string): string => JSON.stringify(relative ? `${top}/${relative}` : top);
