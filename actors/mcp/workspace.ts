import { constants } from 'node:fs';
import { lstat, mkdir, open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ToolError } from './tool.js';
import { isPathInside } from '../fs/path-inside.js';

/**
 * A job's workspace, the only folder the filesystem tools may touch. Every
 * path is hostile, and so is the tree itself (models and sandboxed code put
 * symlinks in it):
 * - `..` is refused outright, an absolute path must lie inside;
 * - nothing inside `.git` is touched, whether named directly or reached
 *   through a symlink (the real path is checked, not just the name);
 * - a read may follow a symlink that stays inside the workspace; a write or
 *   a delete follows none at all: every folder on the way must be a real
 *   folder, and the last part is the entry itself (a symlink there is
 *   refused for writing and removed itself, never its target, by delete).
 */
export class Workspace {
  constructor(readonly root: string) {}

  /**
   * The absolute path `path` names. For 'read' it is the real path (symlinks
   * inside the workspace followed); for 'write' it is the entry itself, under
   * folders that are no symlinks.
   */
  async resolve(path: string, purpose: 'read' | 'write'): Promise<string> {
    if (path.includes('\0')) throw denied(path, 'contains a NUL character');
    const segments = path.split(/[\\/]+/);
    if (segments.includes('..')) throw denied(path, 'contains ".."; name the file relative to the workspace root without ".."');
    if (segments.some(isGitName)) throw denied(path, 'is inside .git; use the git tools to read or change the repository');
    const root = await this.realRoot();
    const target = isAbsolute(path) ? resolve(path) : resolve(root, path);
    if (!isPathInside(root, target) && !isPathInside(resolve(this.root), target)) {
      throw denied(path, `is outside the workspace ${this.root}; use a path relative to it`);
    }
    const lexical = isPathInside(root, target) ? target : resolve(root, relative(resolve(this.root), target));
    if (purpose === 'write') {
      if (lexical !== root) await this.assertRealFolders(dirname(lexical), path);
      return lexical;
    }
    // The deepest part that exists decides where a read really goes.
    let existing = lexical;
    for (;;) {
      try {
        const real = await realpath(existing);
        const full = existing === lexical ? real : resolve(real, relative(existing, lexical));
        this.assertAllowed(full, path);
        return full;
      } catch (error) {
        if (error instanceof ToolError) throw error;
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || existing === root) throw error;
        existing = dirname(existing);
      }
    }
  }

  /** The workspace-relative form of an absolute path inside it, for answers. */
  relative(absolute: string): string {
    return relative(this.rootReal ?? this.root, absolute).split(sep).join('/') || '.';
  }

  /**
   * Opens a regular file without following a final symlink; devices, FIFOs
   * and sockets are refused before a byte is read from them. For 'write',
   * missing folders are made and checked again just before the open, and the
   * file is truncated only once the opened file is known to be inside.
   */
  async openRegular(absolute: string, flags: 'read' | 'write', original: string): Promise<FileHandle> {
    const existing = await lstat(absolute).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (existing?.isSymbolicLink()) throw denied(original, 'is a symbolic link');
    if (existing && !existing.isFile()) throw denied(original, 'is not a regular file (a device, FIFO, socket or folder)');
    if (flags === 'write') {
      await mkdir(dirname(absolute), { recursive: true });
      await this.assertRealFolders(dirname(absolute), original);
    }
    const mode =
      flags === 'read'
        ? constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK
        : constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
    const handle = await open(absolute, mode, 0o644).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ELOOP') throw denied(original, 'is a symbolic link');
      throw error;
    });
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw denied(original, 'is not a regular file (a device, FIFO, socket or folder)');
      // A hard link shares its content with another name, perhaps one inside .git or outside the workspace.
      if (flags === 'write' && stat.nlink > 1) throw denied(original, 'has other hard links; delete it and write a new file');
      await this.assertOpenedInside(handle, original);
      if (flags === 'write') await handle.truncate(0);
      return handle;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  private rootReal: string | undefined;

  private async realRoot(): Promise<string> {
    if (!this.rootReal) {
      await mkdir(this.root, { recursive: true });
      this.rootReal = await realpath(this.root);
    }
    return this.rootReal;
  }

  /** Refuses a real path outside the workspace or inside its .git. */
  private assertAllowed(real: string, original: string): void {
    const root = this.rootReal as string;
    if (!isPathInside(root, real)) throw denied(original, 'leads out of the workspace through a symbolic link');
    if (relative(root, real).split(sep).some(isGitName)) throw denied(original, 'leads into .git through a symbolic link; use the git tools');
  }

  /** Every existing folder from the root down to `folder` must be a real folder: a write follows no symlink. */
  private async assertRealFolders(folder: string, original: string): Promise<void> {
    const root = await this.realRoot();
    let existing = folder;
    let stat = await lstat(existing).catch(() => null);
    while (!stat && existing !== root) {
      existing = dirname(existing);
      stat = await lstat(existing).catch(() => null);
    }
    // Built from the real root and plain names, so any symlink on the way makes the real path differ.
    const real = await realpath(existing).catch(() => null);
    if (real !== existing) throw denied(original, 'goes through a symbolic link; write to the real folder instead');
    if (!stat?.isDirectory()) throw denied(original, 'goes through something that is not a folder');
  }

  /** Where the opened file really is (Linux /proc), so a folder swapped for a symlink after the checks is caught. */
  private async assertOpenedInside(handle: FileHandle, original: string): Promise<void> {
    const link = `/proc/self/fd/${handle.fd}`;
    const real = await readlink(link).catch(() => null);
    if (real !== null) this.assertAllowed(real, original);
  }
}

function isGitName(segment: string): boolean {
  return segment.toLowerCase() === '.git';
}


function denied(path: string, why: string): ToolError {
  return new ToolError('denied', `path "${path}" ${why}`);
}
