import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTools } from '../tool.js';
import { MEMORY_TOOLS, type MemoryToolDeps } from '../tools/memory.js';

export type MemoryServerOptions = MemoryToolDeps;

/** The seed's memory tools, one to one onto MemoryStore. */
export function createMemoryServer(options: MemoryServerOptions): McpServer {
  return registerTools(new McpServer({ name: 'autodev-memory', version: '0.1.0' }), MEMORY_TOOLS, { memory: options.memory });
}
