import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ToolError } from './tool.js';

/**
 * A job's workspace, the only folder the filesystem tools may touch. Every
 * path is hostile: `..` is refused outright, an absolute path must lie
 * inside, and the real path of what exists is checked again, so a symlink
 * (in the last segment or any folder above it) cannot lead out.
 */
export class Workspace {
  constructor(readonly root: string) {}

  /** The absolute path of `path`, refused unless it stays inside the workspace. */
  async resolve(path: string, purpose: 'read' | 'write'): Promise<string> {
    if (path.includes('\0')) throw denied(path, 'contains a NUL character');
    const segments = path.split(/[\\/]+/);
    if (segments.includes('..')) throw denied(path, 'contains ".."; name the file relative to the workspace root without ".."');
    if (purpose === 'write' && segments.some((s) => s.toLowerCase() === '.git')) {
      throw denied(path, 'is inside .git; use the git tools to change the repository');
    }
    const root = await this.realRoot();
    const target = isAbsolute(path) ? resolve(path) : resolve(root, path);
    if (!inside(root, target) && !inside(resolve(this.root), target)) {
      throw denied(path, `is outside the workspace ${this.root}; use a path relative to it`);
    }
    const lexical = inside(root, target) ? target : resolve(root, relative(resolve(this.root), target));
    // The deepest part that exists decides where the path really goes.
    let existing = lexical;
    for (;;) {
      try {
        const real = await realpath(existing);
        if (!inside(root, real)) throw denied(path, 'leads out of the workspace through a symbolic link');
        return existing === lexical ? real : resolve(real, relative(existing, lexical));
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
   * and sockets are refused before a byte is read from them.
   */
  async openRegular(absolute: string, flags: 'read' | 'write', original: string): Promise<FileHandle> {
    const existing = await lstat(absolute).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (existing?.isSymbolicLink()) throw denied(original, 'is a symbolic link');
    if (existing && !existing.isFile()) throw denied(original, 'is not a regular file (a device, FIFO, socket or folder)');
    if (flags === 'write') await mkdir(dirname(absolute), { recursive: true });
    const mode =
      flags === 'read'
        ? constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK
        : constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW | constants.O_NONBLOCK;
    const handle = await open(absolute, mode, 0o644);
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      throw denied(original, 'is not a regular file (a device, FIFO, socket or folder)');
    }
    return handle;
  }

  private rootReal: string | undefined;

  private async realRoot(): Promise<string> {
    if (!this.rootReal) {
      await mkdir(this.root, { recursive: true });
      this.rootReal = await realpath(this.root);
    }
    return this.rootReal;
  }
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function denied(path: string, why: string): ToolError {
  return new ToolError('denied', `path "${path}" ${why}`);
}
