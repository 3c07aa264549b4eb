import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';

/**
 * A tool's own failure (a path outside the workspace, a write in read-only
 * mode). The SDK turns a thrown error into an `isError` result carrying the
 * message, so the message must say what was wrong and what to do instead.
 */
export class ToolError extends Error {
  override readonly name = 'ToolError';
  constructor(
    readonly code: 'denied' | 'invalid' | 'not_found' | 'too_large' | 'timeout' | 'unavailable' | 'failed',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
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
