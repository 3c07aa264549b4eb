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

export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  description: string;
  input: I;
  output: O;
  annotations?: ToolAnnotations;
}

/**
 * Registers a tool whose answer is both structured (checked against its
 * output schema by the SDK) and a JSON text block, for clients that only
 * read `content`.
 */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(
  server: McpServer,
  name: string,
  spec: ToolSpec<I, O>,
  run: (args: z.output<I>) => Promise<z.input<O>>,
): void {
  server.registerTool(
    name,
    {
      description: spec.description,
      // Widened to the base object type: the SDK's generic inference does not follow a type parameter.
      inputSchema: spec.input as z.ZodObject,
      outputSchema: spec.output as z.ZodObject,
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
    },
    async (args: Record<string, unknown>): Promise<CallToolResult> => {
      // The SDK has already parsed `args` with spec.input.
      const value = spec.output.parse(await run(args as z.output<I>)) as Record<string, unknown>;
      return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
    },
  );
}
