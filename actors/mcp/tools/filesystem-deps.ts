import type { Sandbox } from '../../sandbox/sandbox.js';
import { Workspace } from '../workspace.js';

/** What the filesystem tools work on: one workspace, and the sandbox execute_code runs in. */
export interface FilesystemToolDeps {
  ws: Workspace;
  sandbox?: () => Promise<Sandbox>;
  maxReadBytes: number;
  maxListEntries: number;
  executeTimeoutMs: number;
}

export interface FilesystemToolOptions {
  /** The job's workspace; nothing outside it is read or written. */
  workspace: string;
  /** execute_code runs only here (opened on first use); without one it refuses. */
  sandbox?: () => Promise<Sandbox>;
  maxReadBytes?: number;
  maxListEntries?: number;
  executeTimeoutMs?: number;
}

export function filesystemToolDeps(options: FilesystemToolOptions): FilesystemToolDeps {
  return {
    ws: new Workspace(options.workspace),
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    maxReadBytes: options.maxReadBytes ?? 1_000_000,
    maxListEntries: options.maxListEntries ?? 2000,
    executeTimeoutMs: options.executeTimeoutMs ?? 120_000,
  };
}
