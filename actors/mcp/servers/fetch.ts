import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTools } from '../tool.js';
import { FETCH_TOOLS, type FetchToolDeps } from '../tools/fetch.js';

export type FetchServerOptions = FetchToolDeps;

export function createFetchServer(options: FetchServerOptions): McpServer {
  return registerTools(new McpServer({ name: 'autodev-fetch', version: '0.1.0' }), FETCH_TOOLS, options);
}
