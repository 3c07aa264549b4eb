import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTools } from '../tool.js';
import type { TriggerScheduler } from '../trigger-scheduler.js';
import { TIME_TOOLS } from '../tools/time.js';

export interface TimeServerOptions {
  jobId: string;
  /** Without one (no NATS), schedule_trigger refuses. */
  scheduler?: TriggerScheduler;
  now?: () => Date;
}

export function createTimeServer(options: TimeServerOptions): McpServer {
  const deps = { jobId: options.jobId, now: options.now ?? (() => new Date()), ...(options.scheduler ? { scheduler: options.scheduler } : {}) };
  return registerTools(new McpServer({ name: 'autodev-time', version: '0.1.0' }), TIME_TOOLS, deps);
}
