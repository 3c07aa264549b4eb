import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpServerName } from '../../actors/mcp/registry.js';
import type { McpHost } from './host.js';

/** Serves one MCP server on this process's stdin/stdout until the client closes stdin. */
export async function serveStdio(host: McpHost, name: McpServerName, jobId: string, io: { stdin: Readable; stdout: Writable } = process): Promise<void> {
  const transport = new StdioServerTransport(io.stdin, io.stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    io.stdin.once('end', () => resolve());
    io.stdin.once('close', () => resolve());
  });
  await host.connect(name, jobId, transport);
  await closed;
  await transport.close();
}
