import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ModelFunction } from '../llm/language-model.js';
import type { Logger } from '../log/logger.js';
import { DEFAULT_GBNF_BOUNDS, toGbnfSchema, type GbnfBounds } from './gbnf-schema.js';
import { connectInMemory } from './in-memory-client.js';
import { McpServerName, type McpJobContext } from './registry.js';

/** A model function's name: server and tool joined by `__`, which no server or tool name contains. */
export const functionName = (server: McpServerName, tool: string) => `${server}__${tool}`;

export interface ToolboxTool {
  server: McpServerName;
  tool: Tool;
}

export interface ToolboxOptions {
  context: McpJobContext;
  /**
   * The task's `tools`: a server name allows all its tools, `server.tool`
   * one tool. Anything else is ignored (and logged).
   */
  allow: readonly string[];
  /** Who is calling, for the refusal log: usually the task id. */
  caller: string;
  log: Logger;
  bounds?: GbnfBounds;
}

/**
 * A worker's MCP client side: one Client per allowed server over an
 * in-process transport, the allowed tools as model functions, and a refusal
 * (logged, answered as an MCP error) for any call outside the allow-list.
 */
export class Toolbox {
  readonly #clients = new Map<McpServerName, Client>();
  readonly #tools: ToolboxTool[] = [];
  readonly #options: ToolboxOptions;
  readonly #allowed: (server: McpServerName, tool: string) => boolean;

  private constructor(options: ToolboxOptions, allowed: (server: McpServerName, tool: string) => boolean) {
    this.#options = options;
    this.#allowed = allowed;
  }

  static async open(options: ToolboxOptions): Promise<Toolbox> {
    const whole = new Set<McpServerName>();
    const single = new Set<string>();
    for (const entry of options.allow) {
      const [server, tool, ...rest] = entry.split('.');
      const name = McpServerName.safeParse(server);
      if (!name.success || rest.length > 0) {
        options.log.warn('ignored an unknown entry in the tool allow-list', { caller: options.caller, entry });
        continue;
      }
      if (tool) single.add(`${name.data}.${tool}`);
      else whole.add(name.data);
    }
    const box = new Toolbox(options, (server, tool) => whole.has(server) || single.has(`${server}.${tool}`));
    const servers = new Set<McpServerName>([...whole, ...[...single].map((s) => s.split('.')[0] as McpServerName)]);
    try {
      for (const server of servers) {
        const client = await connectInMemory(server, options.context, `autodev-worker-${options.caller}`);
        box.#clients.set(server, client);
        const { tools } = await client.listTools();
        for (const tool of tools) if (box.#allowed(server, tool.name)) box.#tools.push({ server, tool });
      }
    } catch (error) {
      await box.close();
      throw error;
    }
    return box;
  }

  /** The tools this task may call. */
  get tools(): readonly ToolboxTool[] {
    return this.#tools;
  }

  /** Calls a tool; one outside the allow-list is refused before any server sees it. */
  async call(server: string, tool: string, args: unknown): Promise<CallToolResult> {
    const name = McpServerName.safeParse(server);
    const client = name.success ? this.#clients.get(name.data) : undefined;
    if (!name.success || !client || !this.#allowed(name.data, tool)) {
      this.#options.log.warn('refused a tool call outside the task allow-list', { caller: this.#options.caller, server, tool });
      return {
        isError: true,
        content: [{ type: 'text', text: `tool ${server}.${tool} is not in this task's allow-list; use one of: ${this.#tools.map((t) => `${t.server}.${t.tool.name}`).join(', ') || '(none)'}` }],
      };
    }
    const result = await client.callTool({ name: tool, arguments: isRecord(args) ? args : {} });
    return result as CallToolResult;
  }

  /** The allowed tools as node-llama-cpp functions; each handler answers with the tool's result or its error text. */
  modelFunctions(): Record<string, ModelFunction> {
    const bounds = this.#options.bounds ?? DEFAULT_GBNF_BOUNDS;
    return Object.fromEntries(
      this.#tools.map(({ server, tool }) => [
        functionName(server, tool.name),
        {
          description: tool.description ?? tool.name,
          parameters: toGbnfSchema(tool.inputSchema, bounds),
          handler: async (args: unknown) => toModelAnswer(await this.call(server, tool.name, args)),
        } satisfies ModelFunction,
      ]),
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#clients.values()].map((c) => c.close()));
    this.#clients.clear();
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What the model sees: the structured result, or `{ error }` so it can correct itself. */
function toModelAnswer(result: CallToolResult): unknown {
  const text = result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
  if (result.isError) return { error: text };
  return result.structuredContent ?? text;
}
