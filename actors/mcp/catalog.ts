import { connectInMemory } from './in-memory-client.js';
import { MCP_SERVER_NAMES, type McpJobContext, type McpServerName } from './registry.js';

export interface CatalogEntry {
  server: McpServerName;
  tools: Array<{ name: string; description: string }>;
}

/**
 * Every server's tools, as an MCP client sees them. Building a server
 * touches no file, so any context will do; no tool is called.
 */
export async function listCatalog(context: McpJobContext): Promise<CatalogEntry[]> {
  const entries: CatalogEntry[] = [];
  for (const server of MCP_SERVER_NAMES) {
    const client = await connectInMemory(server, context, 'autodev-mcp-list');
    const { tools } = await client.listTools();
    entries.push({ server, tools: tools.map((t) => ({ name: t.name, description: t.description ?? '' })) });
    await client.close();
  }
  return entries;
}
