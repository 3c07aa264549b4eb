import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createMcpServer, type McpJobContext, type McpServerName } from './registry.js';

/**
 * A fresh server of `name`, and an MCP client connected to it in this
 * process: how a worker's toolbox and the tool catalog talk to the servers.
 * The SDK's client side is imported here, on first use, rather than with the
 * modules that import this one (the daemon's start, which never needs it).
 */
export async function connectInMemory(name: McpServerName, context: McpJobContext, clientName: string): Promise<Client> {
  const [{ Client }, { InMemoryTransport }, server] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/inMemory.js'),
    createMcpServer(name, context),
  ]);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: clientName, version: '0.1.0' });
  await client.connect(clientSide);
  return client;
}
