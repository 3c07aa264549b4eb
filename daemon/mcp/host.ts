import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JobId } from '../../proto/index.js';
import type { Logger } from '../../actors/log/logger.js';
import type { Memory } from '../../actors/memory/memory-store.js';
import { createMcpServer, type McpJobContext, type McpServerName } from '../../actors/mcp/registry.js';
import { ThinkingStore } from '../../actors/mcp/thinking-store.js';
import type { TriggerScheduler } from '../../actors/mcp/trigger-scheduler.js';
import type { Sandbox } from '../../actors/sandbox/sandbox.js';
import type { McpSettings } from './settings.js';

export interface McpHostOptions {
  jobsDir: string;
  settings: McpSettings;
  log: Logger;
  sandbox?: () => Promise<Sandbox>;
  memory?: Memory;
  scheduler?: TriggerScheduler;
  /** The daemon passes one saved to disk; by default plans last as long as the process. */
  thinking?: ThinkingStore;
}

export interface McpHost {
  /** The context of an existing job; an unknown job is an UnknownJobError, and nothing is made for it. */
  contextFor(jobId: string): Promise<McpJobContext>;
  /** A context for listing tools only: it names no job, and building servers from it touches no file. */
  catalogContext(): McpJobContext;
  /** A fresh server of `name` for the job, connected to `transport`; closing the transport closes it. */
  connect(name: McpServerName, jobId: string, transport: Transport): Promise<void>;
}

/** A call named a job that has no `job.json`: answered as not found, with nothing created for it. */
export class UnknownJobError extends Error {
  override readonly name = 'UnknownJobError';
  readonly code = 'not_found';
  constructor(readonly jobId: string) {
    super(`no job "${jobId}"; name an existing job (autodev status lists them)`);
  }
}

/** A job exists once its record is saved (daemon/file-job-store.ts writes <jobsDir>/<id>/job.json). */
export async function jobExists(jobsDir: string, jobId: string): Promise<boolean> {
  const record = await lstat(join(jobsDir, jobId, 'job.json')).catch(() => null);
  return record?.isFile() ?? false;
}

/**
 * One per process: the daemon's for /mcp/NAME and its workers, or the CLI's
 * for `autodev mcp serve`. Long-lived state (plans, triggers) is shared here
 * so each MCP session can get a fresh server.
 */
export function createMcpHost(options: McpHostOptions): McpHost {
  const thinking = options.thinking ?? new ThinkingStore();
  const { settings } = options;
  const build = (id: string): McpJobContext => {
    const memory = options.memory;
    return {
      jobId: id,
      workspace: join(options.jobsDir, id, 'repo'),
      jobsDir: options.jobsDir,
      databaseFile: join(options.jobsDir, id, 'database.sqlite'),
      databaseReadOnly: settings.database.readOnly,
      databaseStatementTimeoutMs: settings.database.statementTimeoutMs,
      fetchPolicy: { allow: settings.fetch.allow, deny: settings.fetch.deny, allowPrivateAddresses: settings.fetch.allowPrivateAddresses },
      fetchLimits: { timeoutMs: settings.fetch.timeoutMs, maxBytes: settings.fetch.maxBytes, maxRedirects: settings.fetch.maxRedirects },
      gitRemotes: settings.git.remotes,
      thinking,
      log: options.log.child({ jobId: id }),
      ...(options.scheduler ? { scheduler: options.scheduler } : {}),
      ...(options.sandbox ? { sandbox: options.sandbox } : {}),
      ...(memory ? { memory: () => memory.forJob(id) } : {}),
    };
  };
  // Checked before anything is opened: a database, a memory table or a workspace made for a
  // mistyped id would be a job folder with no job.
  const contextFor = async (jobId: string): Promise<McpJobContext> => {
    const id = JobId.parse(jobId);
    if (!(await jobExists(options.jobsDir, id))) throw new UnknownJobError(id);
    const context = build(id);
    await mkdir(context.workspace, { recursive: true });
    return context;
  };
  return {
    contextFor,
    catalogContext: () => build('catalog'),
    async connect(name, jobId, transport) {
      const server = createMcpServer(name, await contextFor(jobId));
      await server.connect(transport);
    },
  };
}
