import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { AutodevError, JobId } from '../../proto/index.js';
import type { Logger } from '../../actors/log/logger.js';
import type { Memory } from '../../actors/memory/memory-store.js';
import { syncOutsideClone } from '../../actors/mcp/outside-clone.js';
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
  /**
   * The context of an existing job; an unknown job is an UnknownJobError, and nothing is made for it.
   * Its workspace is the outside clone (see outside-clone.ts), brought up to date unless `sync` is false.
   */
  contextFor(jobId: string, options?: { sync?: boolean }): Promise<McpJobContext>;
  /** A context for listing tools only: it names no job, and building servers from it touches no file. */
  catalogContext(): McpJobContext;
  /** A fresh server of `name` for the job, connected to `transport`; closing the transport closes it. */
  connect(name: McpServerName, jobId: string, transport: Transport): Promise<void>;
}

/** The servers that read or write the workspace; the others need no clone. */
const WORKSPACE_SERVERS: ReadonlySet<McpServerName> = new Set(['filesystem', 'git', 'fetch', 'database']);

/** A call named a job that has no `job.json`: answered as not found, with nothing created for it. */
export class UnknownJobError extends AutodevError {
  override readonly name = 'UnknownJobError';
  declare readonly code: 'not_found';
  constructor(readonly jobId: string) {
    super('not_found', `no job "${jobId}"; name an existing job (autodev status lists them)`);
  }
}

/** A job exists once its record is saved (daemon/file-job-store.ts writes <jobsDir>/<id>/job.json). */
export async function jobExists(jobsDir: string, jobId: string): Promise<boolean> {
  const record = await lstat(join(jobsDir, jobId, 'job.json')).catch(() => null);
  return record?.isFile() ?? false;
}

/**
 * The daemon's, for /mcp/NAME (which `autodev mcp serve` reaches too, through
 * its stdio bridge): one process serves every outside client, so the job's
 * LanceDB, database and clone are opened by one process only. Long-lived
 * state (plans, triggers) is shared here so each MCP session can get a fresh
 * server.
 */
export function createMcpHost(options: McpHostOptions): McpHost {
  const thinking = options.thinking ?? new ThinkingStore();
  const { settings } = options;
  const build = (id: string): McpJobContext => {
    const memory = options.memory;
    return {
      jobId: id,
      // Never the job's own repository: only the integration engine writes that one.
      workspace: join(options.jobsDir, id, 'outside'),
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
  const contextFor = async (jobId: string, { sync = true }: { sync?: boolean } = {}): Promise<McpJobContext> => {
    const id = JobId.parse(jobId);
    if (!(await jobExists(options.jobsDir, id))) throw new UnknownJobError(id);
    const context = build(id);
    if (sync) await syncOutsideClone(join(options.jobsDir, id, 'repo'), context.workspace);
    else await mkdir(context.workspace, { recursive: true });
    return context;
  };
  return {
    contextFor,
    catalogContext: () => build('catalog'),
    async connect(name, jobId, transport) {
      const server = await createMcpServer(name, await contextFor(jobId, { sync: WORKSPACE_SERVERS.has(name) }));
      await server.connect(transport);
    },
  };
}
