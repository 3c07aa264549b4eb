import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createMcpServer, type McpJobContext, type McpServerName } from '../../actors/mcp/registry.js';
import { ThinkingStore } from '../../actors/mcp/thinking-store.js';
import { silentLogger } from '../../actors/log/logger.js';

/** A job context under `jobsDir`, with the defaults of the daemon's `mcp` config section. */
export function jobContext(jobsDir: string, jobId: string, overrides: Partial<McpJobContext> = {}): McpJobContext {
  const workspace = join(jobsDir, jobId, 'repo');
  mkdirSync(workspace, { recursive: true });
  return {
    jobId,
    workspace,
    jobsDir,
    databaseFile: join(jobsDir, jobId, 'database.sqlite'),
    databaseReadOnly: false,
    fetchPolicy: { allow: [], deny: [], allowPrivateAddresses: false },
    fetchLimits: { timeoutMs: 5000, maxBytes: 1024 * 1024, maxRedirects: 3 },
    gitRemotes: {},
    thinking: new ThinkingStore(),
    log: silentLogger,
    ...overrides,
  };
}

/** A real server of `name` and a real MCP client, linked in memory. */
export async function connectServer(name: McpServerName, context: McpJobContext): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await (await createMcpServer(name, context)).connect(serverSide);
  const client = new Client({ name: 'autodev-test', version: '0.0.0' });
  await client.connect(clientSide);
  return client;
}

export async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The structured answer of a call that must succeed; fails the test with the error text otherwise. */
export async function callOk<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const result = await callTool(client, name, args);
  if (result.isError) throw new Error(`${name} failed: ${errorText(result)}`);
  return result.structuredContent as T;
}

export function errorText(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}
