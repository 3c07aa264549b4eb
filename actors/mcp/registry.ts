import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServerName } from '../../proto/index.js';
import type { Logger } from '../log/logger.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { FetchLimits } from './http-get.js';
import type { NetPolicy } from './net-policy.js';
import type { ThinkingStore } from './thinking-store.js';
import type { TriggerScheduler } from './trigger-scheduler.js';
import { ToolError } from './tool.js';

/** The names live in proto/ so the CLI can name and check them without loading the servers. */
export { MCP_SERVER_NAMES, McpServerName } from '../../proto/index.js';

/** Everything one job's servers need; built by the host (daemon or `autodev mcp serve`). */
export interface McpJobContext {
  jobId: string;
  /** The job's repository working tree: the filesystem, git and download workspace. */
  workspace: string;
  /** Every job's folder, for search_repositories. */
  jobsDir: string;
  databaseFile: string;
  databaseReadOnly: boolean;
  /** mcp.database.statementTimeoutMs; the database server's default (5 s) when absent. */
  databaseStatementTimeoutMs?: number;
  fetchPolicy: NetPolicy;
  fetchLimits: FetchLimits;
  gitRemotes: Readonly<Record<string, string>>;
  thinking: ThinkingStore;
  scheduler?: TriggerScheduler;
  /** Opened on first use: starting an engine or a warm pool is slow, and most calls never run code. */
  sandbox?: () => Promise<Sandbox>;
  /** The job's memory, opened on first use; absent where no memory is configured. */
  memory?: () => Promise<MemoryStore>;
  log: Logger;
}

/**
 * A fresh server instance; state that must outlive it (plans, triggers) lives in the context.
 * Each server's module (with the MCP SDK, better-sqlite3, turndown, diff: 0.3 s together) is
 * imported when a server of its name is first made, not by whoever imports the registry.
 */
export async function createMcpServer(name: McpServerName, ctx: McpJobContext): Promise<McpServer> {
  switch (name) {
    case 'filesystem': {
      const { createFilesystemServer } = await import('./servers/filesystem.js');
      return createFilesystemServer({ workspace: ctx.workspace, ...(ctx.sandbox ? { sandbox: ctx.sandbox } : {}) });
    }
    case 'fetch': {
      const { createFetchServer } = await import('./servers/fetch.js');
      return createFetchServer({ policy: ctx.fetchPolicy, limits: ctx.fetchLimits, workspace: ctx.workspace, ...(ctx.memory ? { memory: ctx.memory } : {}) });
    }
    case 'memory': {
      const { createMemoryServer } = await import('./servers/memory.js');
      return createMemoryServer({ memory: ctx.memory ?? noMemory });
    }
    case 'git': {
      const { createGitServer } = await import('./servers/git.js');
      return createGitServer({ dir: ctx.workspace, jobsDir: ctx.jobsDir, remotes: ctx.gitRemotes });
    }
    case 'sequential_thinking': {
      const { createSequentialThinkingServer } = await import('./servers/sequential-thinking.js');
      return createSequentialThinkingServer({ jobId: ctx.jobId, store: ctx.thinking });
    }
    case 'database': {
      const { createDatabaseServer } = await import('./servers/database.js');
      return createDatabaseServer({
        file: ctx.databaseFile,
        repo: ctx.workspace,
        readOnly: ctx.databaseReadOnly,
        ...(ctx.databaseStatementTimeoutMs ? { statementTimeoutMs: ctx.databaseStatementTimeoutMs } : {}),
      });
    }
    case 'time': {
      const { createTimeServer } = await import('./servers/time.js');
      return createTimeServer({ jobId: ctx.jobId, ...(ctx.scheduler ? { scheduler: ctx.scheduler } : {}) });
    }
  }
}

async function noMemory(): Promise<MemoryStore> {
  throw new ToolError('unavailable', 'no memory store is configured for this host; run the memory server through autodevd');
}
