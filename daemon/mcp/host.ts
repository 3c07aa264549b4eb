import { mkdir } from 'node:fs/promises';
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
  /** The job's context; its workspace folder is made unless `create` is false (listing tools needs none). */
  contextFor(jobId: string, options?: { create?: boolean }): Promise<McpJobContext>;
  /** A fresh server of `name` for the job, connected to `transport`; closing the transport closes it. */
  connect(name: McpServerName, jobId: string, transport: Transport): Promise<void>;
}

/**
 * One per process: the daemon's for /mcp/NAME and its workers, or the CLI's
 * for `autodev mcp serve`. Long-lived state (plans, triggers) is shared here
 * so each MCP session can get a fresh server.
 */
export function createMcpHost(options: McpHostOptions): McpHost {
  const thinking = options.thinking ?? new ThinkingStore();
  const { settings } = options;
  const contextFor = async (jobId: string, { create = true }: { create?: boolean } = {}): Promise<McpJobContext> => {
    const id = JobId.parse(jobId);
    const workspace = join(options.jobsDir, id, 'repo');
    if (create) await mkdir(workspace, { recursive: true });
    const memory = options.memory;
    return {
      jobId: id,
      workspace,
      jobsDir: options.jobsDir,
      databaseFile: join(options.jobsDir, id, 'database.sqlite'),
      databaseReadOnly: settings.database.readOnly,
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
  return {
    contextFor,
    async connect(name, jobId, transport) {
      const server = createMcpServer(name, await contextFor(jobId));
      await server.connect(transport);
    },
  };
}
