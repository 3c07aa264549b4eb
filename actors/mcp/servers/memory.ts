import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { MemoryFilter, MemoryHit, MemoryRecord, MemoryRetrieveInput, MemoryStoreInput, MemoryUpdateInput } from '../../../proto/memory.js';
import { MemoryError, type MemoryStore } from '../../memory/memory-store.js';
import { defineTool, ToolError } from '../tool.js';

export interface MemoryServerOptions {
  /** Opens the job's memory on first use (LanceDB and the embedder are slow to open); the store validates every input again. */
  memory: () => Promise<MemoryStore>;
}

/** The seed's memory tools, one to one onto MemoryStore. */
export function createMemoryServer(options: MemoryServerOptions): McpServer {
  const server = new McpServer({ name: 'autodev-memory', version: '0.1.0' });

  defineTool(
    server,
    'store_knowledge',
    {
      description: 'Store a piece of knowledge (an API doc, code, a task note, a test or an error and its fix) with its metadata.',
      input: MemoryStoreInput,
      output: z.object({ record: MemoryRecord }),
    },
    async (input) => ({ record: await translate(async () => (await options.memory()).store(input)) }),
  );

  defineTool(
    server,
    'retrieve_context',
    {
      description: 'Hybrid (full-text plus vector) retrieval of the records most relevant to a query, optionally filtered by metadata.',
      input: MemoryRetrieveInput,
      output: z.object({ hits: z.array(MemoryHit) }),
      annotations: { readOnlyHint: true },
    },
    async (input) => ({ hits: await translate(async () => (await options.memory()).retrieve(input)) }),
  );

  defineTool(
    server,
    'update_memory',
    {
      description: 'Replace the content and/or metadata fields of a stored record by id.',
      input: MemoryUpdateInput,
      output: z.object({ record: MemoryRecord }),
    },
    async (input) => ({ record: await translate(async () => (await options.memory()).update(input)) }),
  );

  defineTool(
    server,
    'search_knowledge',
    {
      description: 'List records whose metadata matches a filter (type, source, taskId, version, platform, tags), newest first.',
      input: z.object({ filter: MemoryFilter, limit: z.number().int().min(1).max(200).default(20) }).strict(),
      output: z.object({ records: z.array(MemoryRecord) }),
      annotations: { readOnlyHint: true },
    },
    async ({ filter, limit }) => ({ records: await translate(async () => (await options.memory()).searchByMetadata(filter, limit)) }),
  );
  return server;
}

async function translate<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof MemoryError) {
      const code = error.reason === 'not_found' ? 'not_found' : error.reason === 'invalid_input' ? 'invalid' : 'unavailable';
      throw new ToolError(code, error.message, { cause: error });
    }
    throw error;
  }
}
