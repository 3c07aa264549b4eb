import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { AutodevError, type ErrorCode } from '../../proto/index.js';

/**
 * A tool's own failure (a path outside the workspace, a write in read-only
 * mode). The SDK turns a thrown error into an `isError` result carrying the
 * message, so the message must say what was wrong and what to do instead.
 */
export type ToolErrorReason = 'denied' | 'invalid' | 'not_found' | 'too_large' | 'timeout' | 'unavailable' | 'failed';

const TOOL_CODES: Record<ToolErrorReason, ErrorCode> = {
  denied: 'forbidden',
  invalid: 'bad_request',
  not_found: 'not_found',
  too_large: 'payload_too_large',
  timeout: 'task_timeout',
  unavailable: 'unavailable',
  failed: 'internal',
};

/** The MCP layer's error: `reason` is the tool's own word, `code` the stable ErrorCode it maps to. */
export class ToolError extends AutodevError {
  override readonly name = 'ToolError';
  constructor(
    readonly reason: ToolErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(TOOL_CODES[reason], message, options);
  }
}

/**
 * One tool, in the shape of the SDK's registerTool config: what a client
 * sees (name, description, input and output schemas, annotations)
 * and what runs, given the dependencies of its server (a workspace, a
 * database, a store). A test calls it with callTool; a server registers a
 * list of them with registerTools.
 */
export interface ToolDefinition<D, I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: I;
  readonly outputSchema: O;
  readonly annotations?: ToolAnnotations;
  /** Gets `args` already parsed with `inputSchema`; what it returns is checked against `outputSchema`. */
  handler(args: z.output<I>, deps: D): Promise<z.input<O>>;
}

/**
 * The definer for one server's tools: `const tool = toolFor<Deps>()` fixes
 * the dependencies' type, and each `tool({...})` infers its own schemas.
 */
export function toolFor<D>() {
  return <I extends z.ZodObject, O extends z.ZodObject>(definition: ToolDefinition<D, I, O>): ToolDefinition<D, I, O> => definition;
}

/** A tool called as the server calls it (input parsed, defaults applied; output checked), with no MCP client in between. */
export async function callTool<D, I extends z.ZodObject, O extends z.ZodObject>(tool: ToolDefinition<D, I, O>, args: z.input<I>, deps: D): Promise<z.output<O>> {
  return tool.outputSchema.parse(await tool.handler(tool.inputSchema.parse(args) as z.output<I>, deps)) as z.output<O>;
}

/**
 * Registers each tool with an answer that is both structured (checked
 * against its output schema by the SDK) and a JSON text block, for clients
 * that only read `content`.
 */
export function registerTools<D>(server: McpServer, tools: ReadonlyArray<ToolDefinition<D>>, deps: D): McpServer {
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        description: tool.description,
        inputSchema: tool.inputSchema,
        outputSchema: tool.outputSchema,
        ...(tool.annotations ? { annotations: tool.annotations } : {}),
      },
      async (args: Record<string, unknown>): Promise<CallToolResult> => {
        // The SDK has already parsed `args` with tool.inputSchema.
        const value = tool.outputSchema.parse(await tool.handler(args, deps)) as Record<string, unknown>;
        return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
      },
    );
  }
  return server;
}
