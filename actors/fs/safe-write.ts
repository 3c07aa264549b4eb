import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { AutodevError } from '../../proto/index.js';
import { removeTree } from './tree-remove.js';

/**
 * Host-side writes into trees that sandboxed code or a model can also write
 * (the validation workspace, the build folder, the job repository's working
 * tree). Such code can replace any folder with a symlink to a host path, so
 * every component is opened with O_NOFOLLOW, one at a time, each relative to
 * the folder opened before it (through /proc/self/fd, Node having no
 * openat): a symlink swapped in between two checks cannot redirect the write.
 * A symlink as the last component is replaced, never written through.
 */
export class UnsafeWritePathError extends AutodevError {
  override readonly name = 'UnsafeWritePathError';
  constructor(message: string) {
    super('forbidden', message);
  }
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** Plain relative segments only: the path comes from a model or from a sandbox's tree. */
export function writeSegments(path: string): string[] {
  const segments = path.split('/');
  if (path.length === 0 || path.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\0'))) {
    throw new UnsafeWritePathError(`"${path}" is not a plain relative path: use folder/file names separated by /, without . or ..`);
  }
  return segments;
}

const inFolder = (dir: FileHandle, name: string) => `/proc/self/fd/${dir.fd}/${name}`;

/** Opens `root` (chosen by the daemon, so it may be followed), then each segment without following. */
async function openFolderChain(root: string, segments: readonly string[], create: boolean, shownPath: string, owner?: FileOwner): Promise<FileHandle> {
  let dir = await open(root, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    for (const segment of segments) {
      const next = await openChild(dir, segment, create, owner).catch((error: unknown) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ELOOP' || code === 'ENOTDIR') {
          throw new UnsafeWritePathError(`refusing to write "${shownPath}" under ${root}: "${segment}" is a symlink or not a folder, and writes never follow links`);
        }
        throw error;
      });
      await dir.close();
      dir = next;
    }
    return dir;
  } catch (error) {
    await dir.close().catch(() => undefined);
    throw error;
  }
}

async function openChild(dir: FileHandle, name: string, create: boolean, owner?: FileOwner): Promise<FileHandle> {
  try {
    return await open(inFolder(dir, name), DIR_FLAGS);
  } catch (error) {
    if (!create || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // mkdir never follows a symlink in its last component: one raced in gives EEXIST, then ELOOP below.
    const made = await mkdir(inFolder(dir, name), { mode: 0o755 }).then(
      () => true,
      (e: unknown) => {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        return false;
      },
    );
    const child = await open(inFolder(dir, name), DIR_FLAGS);
    // Through the descriptor just opened: only a folder this call made changes hands.
    if (made && owner) await child.chown(owner.uid, owner.gid).catch(async (e: unknown) => {
      await child.close();
      throw e;
    });
    return child;
  }
}

/** Who files and folders a write creates belong to (root only: chown). */
export interface FileOwner {
  uid: number;
  gid: number;
}

export interface SafeWriteOptions {
  mode?: number;
  /** Set by a root daemon writing into a user's folder, so what it creates there is that user's. */
  owner?: FileOwner;
}

/**
 * Writes `data` at `root/relativePath`, creating folders as needed, without
 * following a symlink at any component. The file is written beside its
 * target and renamed over it, so a symlink or hard link at the target is
 * replaced rather than written through.
 */
export async function writeFileUnder(root: string, relativePath: string, data: string | Uint8Array, options: SafeWriteOptions = {}): Promise<void> {
  const segments = writeSegments(relativePath);
  const leaf = segments.pop() as string;
  const dir = await openFolderChain(root, segments, true, relativePath, options.owner);
  const temporary = inFolder(dir, `.autodev-write-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, options.mode ?? 0o644);
    try {
      await handle.writeFile(data);
      // Before the chmod: a chown by root clears setuid and setgid bits.
      if (options.owner) await handle.chown(options.owner.uid, options.owner.gid);
      if (options.mode !== undefined) await handle.chmod(options.mode);
    } finally {
      await handle.close();
    }
    await rename(temporary, inFolder(dir, leaf)).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'EISDIR') {
        throw new UnsafeWritePathError(`refusing to write "${relativePath}" under ${root}: a folder of that name is in the way`);
      }
      throw error;
    });
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  } finally {
    await dir.close();
  }
}

/** Creates `root/relativePath` and the folders above it, refusing to pass through a symlink. */
export async function mkdirUnder(root: string, relativePath: string): Promise<void> {
  const dir = await openFolderChain(root, writeSegments(relativePath), true, relativePath);
  await dir.close();
}

/** Reads a regular file without following a symlink in its last component; null when it is anything else or missing. */
export async function readFileNoFollow(path: string): Promise<Buffer | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!(await handle.stat()).isFile()) return null;
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Empties `root` except the entries named in `keep` that are real folders:
 * a kept name that a sandbox turned into a symlink (or a file) goes too.
 * removeTree walks by descriptor: a folder swapped for a link mid-removal
 * is unlinked as a link, never followed (see safe-tree.ts).
 */
export async function clearFolderExcept(root: string, keep: ReadonlySet<string> = new Set()): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const entry of await readdir(root)) {
    const path = `${root}/${entry}`;
    if (keep.has(entry) && (await lstat(path)).isDirectory()) continue;
    await removeTree(path);
  }
}
