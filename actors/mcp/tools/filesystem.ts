import { lstat, mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { removeTree } from '../../fs/safe-tree.js';
import { ToolError, toolFor, type ToolDefinition } from '../tool.js';
import { executeCode } from './execute-code.js';
import type { FilesystemToolDeps } from './filesystem-deps.js';

export { filesystemToolDeps, type FilesystemToolDeps } from './filesystem-deps.js';

const tool = toolFor<FilesystemToolDeps>();
const Path = z.string().min(1).max(500).describe('path relative to the workspace root');
type EntryType = 'file' | 'directory' | 'symlink' | 'other';

export const readFile = tool({
  name: 'read_file',
  description: 'Read a UTF-8 text file from the job workspace.',
  inputSchema: z.object({ path: Path }).strict(),
  outputSchema: z.object({ path: z.string(), content: z.string(), bytes: z.number().int() }),
  annotations: { readOnlyHint: true },
  async handler({ path }, { ws, maxReadBytes }) {
    const absolute = await ws.resolve(path, 'read');
    const handle = await ws.openRegular(absolute, 'read', path);
    try {
      const { size } = await handle.stat();
      if (size > maxReadBytes) throw new ToolError('too_large', `"${path}" has ${size} bytes, over the ${maxReadBytes}-byte limit of read_file`);
      const content = await handle.readFile('utf8');
      return { path: ws.relative(absolute), content, bytes: size };
    } finally {
      await handle.close();
    }
  },
});

export const writeFile = tool({
  name: 'write_file',
  description: 'Create or replace a text file in the job workspace; missing folders are created.',
  inputSchema: z.object({ path: Path, content: z.string().max(2_000_000) }).strict(),
  outputSchema: z.object({ path: z.string(), bytes: z.number().int() }),
  async handler({ path, content }, { ws }) {
    const absolute = await ws.resolve(path, 'write');
    const handle = await ws.openRegular(absolute, 'write', path);
    try {
      await handle.writeFile(content, 'utf8');
    } finally {
      await handle.close();
    }
    return { path: ws.relative(absolute), bytes: Buffer.byteLength(content) };
  },
});

export const createDirectory = tool({
  name: 'create_directory',
  description: 'Create a folder (and its parents) in the job workspace.',
  inputSchema: z.object({ path: Path }).strict(),
  outputSchema: z.object({ path: z.string(), created: z.boolean() }),
  async handler({ path }, { ws }) {
    const absolute = await ws.resolve(path, 'write');
    const made = await mkdir(absolute, { recursive: true });
    return { path: ws.relative(absolute), created: made !== undefined };
  },
});

export const listFiles = tool({
  name: 'list_files',
  description: 'List the entries of a folder in the job workspace, optionally recursively (.git is skipped).',
  inputSchema: z.object({ path: Path.default('.'), recursive: z.boolean().default(false) }).strict(),
  outputSchema: z.object({
    entries: z.array(z.object({ path: z.string(), type: z.enum(['file', 'directory', 'symlink', 'other']), bytes: z.number().int() })),
    truncated: z.boolean(),
  }),
  annotations: { readOnlyHint: true },
  async handler({ path, recursive }, { ws, maxListEntries: limit }) {
    const start = await ws.resolve(path, 'read');
    const entries: Array<{ path: string; type: EntryType; bytes: number }> = [];
    const queue = [start];
    while (queue.length > 0 && entries.length < limit) {
      const dir = queue.shift() as string;
      const names = await readFolder(dir, path);
      for (const name of names.sort()) {
        if (name.toLowerCase() === '.git') continue;
        const full = join(dir, name);
        // lstat: a symlink is listed as such and never followed out of the workspace.
        const stat = await lstat(full);
        const type: EntryType = stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
        entries.push({ path: ws.relative(full), type, bytes: type === 'file' ? stat.size : 0 });
        if (recursive && type === 'directory') queue.push(full);
        if (entries.length >= limit) break;
      }
    }
    return { entries, truncated: entries.length >= limit };
  },
});

export const deleteFile = tool({
  name: 'delete_file',
  description: 'Delete a file, a symbolic link (the link itself), or a folder with recursive: true, in the job workspace.',
  inputSchema: z.object({ path: Path, recursive: z.boolean().default(false) }).strict(),
  outputSchema: z.object({ path: z.string(), deleted: z.boolean() }),
  annotations: { destructiveHint: true },
  async handler({ path, recursive }, { ws }) {
    // 'write' resolution names the entry itself: a symlink is removed, never what it points to.
    const absolute = await ws.resolve(path, 'write');
    if (ws.relative(absolute) === '.') throw new ToolError('denied', 'refusing to delete the workspace root');
    const stat = await lstat(absolute).catch(() => null);
    if (!stat) return { path: ws.relative(absolute), deleted: false };
    if (stat.isSymbolicLink()) {
      await unlink(absolute);
      return { path: ws.relative(absolute), deleted: true };
    }
    if (stat.isDirectory() && !recursive) throw new ToolError('invalid', `"${path}" is a folder; pass recursive: true to delete it`);
    // By descriptor: a link inside goes as a link, and one swapped in mid-removal (execute_code may have left a process) is never followed.
    if (stat.isDirectory()) await removeTree(absolute);
    else await unlink(absolute);
    return { path: ws.relative(absolute), deleted: true };
  },
});

export const FILESYSTEM_TOOLS: ReadonlyArray<ToolDefinition<FilesystemToolDeps>> = [readFile, writeFile, createDirectory, listFiles, deleteFile, executeCode];

async function readFolder(dir: string, asked: string): Promise<string[]> {
  return readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOTDIR') throw new ToolError('invalid', `"${asked}" is a file, not a folder; read it with read_file`);
    if (error.code === 'ENOENT') throw new ToolError('not_found', `no folder "${asked}" in the workspace`);
    throw error;
  });
}
