import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTools } from '../tool.js';
import { SEQUENTIAL_THINKING_TOOLS, type ThinkingToolDeps } from '../tools/sequential-thinking.js';

export type SequentialThinkingServerOptions = ThinkingToolDeps;

export function createSequentialThinkingServer(options: SequentialThinkingServerOptions): McpServer {
  return registerTools(new McpServer({ name: 'autodev-sequential-thinking', version: '0.1.0' }), SEQUENTIAL_THINKING_TOOLS, { jobId: options.jobId, store: options.store });
}
