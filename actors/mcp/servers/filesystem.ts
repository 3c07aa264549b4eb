import { lstat, mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { removeTree } from '../../fs/safe-tree.js';
import type { Sandbox } from '../../sandbox/sandbox.js';
import { defineTool, ToolError } from '../tool.js';
import { Workspace } from '../workspace.js';

export interface FilesystemServerOptions {
  /** The job's workspace; nothing outside it is read or written. */
  workspace: string;
  /** execute_code runs only here (opened on first use); without one it refuses. */
  sandbox?: () => Promise<Sandbox>;
  maxReadBytes?: number;
  maxListEntries?: number;
  executeTimeoutMs?: number;
}

const Path = z.string().min(1).max(500).describe('path relative to the workspace root');
const RUNTIMES = { node: ['node', '-e'], python: ['python3', '-c'], sh: ['sh', '-c'] } as const;

export function createFilesystemServer(options: FilesystemServerOptions): McpServer {
  const server = new McpServer({ name: 'autodev-filesystem', version: '0.1.0' });
  const ws = new Workspace(options.workspace);
  const maxRead = options.maxReadBytes ?? 1_000_000;

  defineTool(
    server,
    'read_file',
    {
      description: 'Read a UTF-8 text file from the job workspace.',
      input: z.object({ path: Path }).strict(),
      output: z.object({ path: z.string(), content: z.string(), bytes: z.number().int() }),
      annotations: { readOnlyHint: true },
    },
    async ({ path }) => {
      const absolute = await ws.resolve(path, 'read');
      const handle = await ws.openRegular(absolute, 'read', path);
      try {
        const { size } = await handle.stat();
        if (size > maxRead) throw new ToolError('too_large', `"${path}" has ${size} bytes, over the ${maxRead}-byte limit of read_file`);
        const content = await handle.readFile('utf8');
        return { path: ws.relative(absolute), content, bytes: size };
      } finally {
        await handle.close();
      }
    },
  );

  defineTool(
    server,
    'write_file',
    {
      description: 'Create or replace a text file in the job workspace; missing folders are created.',
      input: z.object({ path: Path, content: z.string().max(2_000_000) }).strict(),
      output: z.object({ path: z.string(), bytes: z.number().int() }),
    },
    async ({ path, content }) => {
      const absolute = await ws.resolve(path, 'write');
      const handle = await ws.openRegular(absolute, 'write', path);
      try {
        await handle.writeFile(content, 'utf8');
      } finally {
        await handle.close();
      }
      return { path: ws.relative(absolute), bytes: Buffer.byteLength(content) };
    },
  );

  defineTool(
    server,
    'create_directory',
    {
      description: 'Create a folder (and its parents) in the job workspace.',
      input: z.object({ path: Path }).strict(),
      output: z.object({ path: z.string(), created: z.boolean() }),
    },
    async ({ path }) => {
      const absolute = await ws.resolve(path, 'write');
      const made = await mkdir(absolute, { recursive: true });
      return { path: ws.relative(absolute), created: made !== undefined };
    },
  );

  defineTool(
    server,
    'list_files',
    {
      description: 'List the entries of a folder in the job workspace, optionally recursively (.git is skipped).',
      input: z.object({ path: Path.default('.'), recursive: z.boolean().default(false) }).strict(),
      output: z.object({
        entries: z.array(z.object({ path: z.string(), type: z.enum(['file', 'directory', 'symlink', 'other']), bytes: z.number().int() })),
        truncated: z.boolean(),
      }),
      annotations: { readOnlyHint: true },
    },
    async ({ path, recursive }) => {
      const limit = options.maxListEntries ?? 2000;
      const start = await ws.resolve(path, 'read');
      const entries: Array<{ path: string; type: 'file' | 'directory' | 'symlink' | 'other'; bytes: number }> = [];
      const queue = [start];
      while (queue.length > 0 && entries.length < limit) {
        const dir = queue.shift() as string;
        const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOTDIR') throw new ToolError('invalid', `"${path}" is a file, not a folder; read it with read_file`);
          if (error.code === 'ENOENT') throw new ToolError('not_found', `no folder "${path}" in the workspace`);
          throw error;
        });
        for (const name of names.sort()) {
          if (name.toLowerCase() === '.git') continue;
          const full = join(dir, name);
          // lstat: a symlink is listed as such and never followed out of the workspace.
          const stat = await lstat(full);
          const type = stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
          entries.push({ path: ws.relative(full), type, bytes: type === 'file' ? stat.size : 0 });
          if (recursive && type === 'directory') queue.push(full);
          if (entries.length >= limit) break;
        }
      }
      return { entries, truncated: entries.length >= limit };
    },
  );

  defineTool(
    server,
    'delete_file',
    {
      description: 'Delete a file, a symbolic link (the link itself), or a folder with recursive: true, in the job workspace.',
      input: z.object({ path: Path, recursive: z.boolean().default(false) }).strict(),
      output: z.object({ path: z.string(), deleted: z.boolean() }),
      annotations: { destructiveHint: true },
    },
    async ({ path, recursive }) => {
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
  );

  defineTool(
    server,
    'execute_code',
    {
      description: 'Run a snippet of node, python or sh code in the sandbox, with the workspace mounted and no network.',
      input: z
        .object({
          language: z.enum(['node', 'python', 'sh']),
          code: z.string().min(1).max(100_000),
          timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
        })
        .strict(),
      output: z.object({
        exitCode: z.number().int(),
        stdout: z.string(),
        stderr: z.string(),
        timedOut: z.boolean(),
        durationMs: z.number(),
        backend: z.string(),
      }),
      annotations: { openWorldHint: false },
    },
    async ({ language, code, timeoutMs }) => {
      const sandbox = options.sandbox ? await options.sandbox() : undefined;
      // Generated code runs only through the Sandbox it was given; which backend is the composition root's explicit choice.
      if (!sandbox) {
        throw new ToolError('unavailable', 'execute_code needs a sandbox and none is configured; install Docker or bubblewrap and restart autodevd');
      }
      await ws.resolve('.', 'read');
      const result = await sandbox.run([...RUNTIMES[language], code], {
        workspace: options.workspace,
        network: 'none',
        timeoutMs: Math.min(timeoutMs, options.executeTimeoutMs ?? 120_000),
      });
      return {
        exitCode: result.exitCode,
        stdout: result.stdout.slice(0, 100_000),
        stderr: result.stderr.slice(0, 100_000),
        timedOut: result.timedOut,
        durationMs: result.durationMs,
        backend: sandbox.backend,
      };
    },
  );
  return server;
}
