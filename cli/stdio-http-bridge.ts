import type { Readable, Writable } from 'node:stream';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { isJSONRPCRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export interface StdioHttpBridgeOptions {
  /** The daemon's endpoint for one server and job: `<api>/mcp/NAME?job=JOB`. */
  url: URL;
  token: string;
  stdin: Readable;
  stdout: Writable;
  /** Where transport failures are reported; stdout carries the protocol, so never there. */
  warn: (message: string) => void;
}

/** JSON-RPC's "internal error": the request reached no server. */
const INTERNAL_ERROR = -32603;

/**
 * `autodev mcp serve` as a relay: messages from the stdio client go to the
 * daemon's Streamable HTTP endpoint and its answers come back, so the tools
 * run in the daemon, the one process that opens the job's LanceDB, database
 * and repository clone. Resolves when the client closes stdin.
 */
export async function bridgeStdioToHttp(options: StdioHttpBridgeOptions): Promise<void> {
  const local = new StdioServerTransport(options.stdin, options.stdout);
  const remote = new StreamableHTTPClientTransport(options.url, { requestInit: { headers: { authorization: `Bearer ${options.token}` } } });
  const closed = new Promise<void>((resolve) => {
    local.onclose = () => resolve();
    options.stdin.once('end', () => resolve());
    options.stdin.once('close', () => resolve());
  });
  const reply = (message: JSONRPCMessage) =>
    local.send(message).catch((error: unknown) => options.warn(`could not write to stdout: ${String(error)}`));
  remote.onmessage = (message) => void reply(message);
  remote.onerror = (error) => options.warn(`the daemon's MCP endpoint: ${error.message}`);
  local.onerror = (error) => options.warn(`stdin: ${error.message}`);
  local.onmessage = (message) => {
    remote.send(message).catch((error: unknown) => {
      const why = error instanceof Error ? error.message : String(error);
      options.warn(`the daemon did not take a message: ${why}`);
      // A request must get an answer, or the client waits for ever; a notification needs none.
      if (isJSONRPCRequest(message)) void reply({ jsonrpc: '2.0', id: message.id, error: { code: INTERNAL_ERROR, message: `autodevd did not answer: ${why}` } });
    });
  };
  await remote.start();
  await local.start();
  await closed;
  await remote.close();
  await local.close();
}
