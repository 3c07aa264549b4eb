import { Hono } from 'hono';
import { ProtocolError, type McpCatalogAnswer } from '../../proto/index.js';

/** Lists the hosted MCP servers' tools (actors/mcp/catalog.ts), for `autodev mcp list`. */
export type McpCatalogService = () => Promise<McpCatalogAnswer['servers']>;

/** `GET /mcp`: the catalog; the servers themselves are at /mcp/NAME (daemon/mcp/http-route.ts). */
export function mcpCatalogRoutes(catalog: McpCatalogService | undefined) {
  return new Hono().get('/mcp', async (c) => {
    if (!catalog) throw new ProtocolError('not_found', 'this daemon serves no MCP servers');
    return c.json({ servers: await catalog() } satisfies McpCatalogAnswer);
  });
}
