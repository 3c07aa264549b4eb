import { z } from 'zod';
import { MemoryFilter, MemoryHit, MemoryRecord, MemoryRetrieveInput, MemoryStoreInput, MemoryUpdateInput } from '../../../proto/memory.js';
import { MemoryError, type MemoryStore } from '../../memory/memory-store.js';
import { ToolError, toolFor, type ToolDefinition } from '../tool.js';

export interface MemoryToolDeps {
  /** Opens the job's memory on first use (LanceDB and the embedder are slow to open); the store validates every input again. */
  memory: () => Promise<MemoryStore>;
}

const tool = toolFor<MemoryToolDeps>();

export const storeKnowledge = tool({
  name: 'store_knowledge',
  description: 'Store a piece of knowledge (an API doc, code, a task note, a test or an error and its fix) with its metadata.',
  inputSchema: MemoryStoreInput,
  outputSchema: z.object({ record: MemoryRecord }),
  async handler(input, deps) {
    return { record: await translate(async () => (await deps.memory()).store(input)) };
  },
});

export const retrieveContext = tool({
  name: 'retrieve_context',
  description: 'Hybrid (full-text plus vector) retrieval of the records most relevant to a query, optionally filtered by metadata.',
  inputSchema: MemoryRetrieveInput,
  outputSchema: z.object({ hits: z.array(MemoryHit) }),
  annotations: { readOnlyHint: true },
  async handler(input, deps) {
    return { hits: await translate(async () => (await deps.memory()).retrieve(input)) };
  },
});

export const updateMemory = tool({
  name: 'update_memory',
  description: 'Replace the content and/or metadata fields of a stored record by id.',
  inputSchema: MemoryUpdateInput,
  outputSchema: z.object({ record: MemoryRecord }),
  async handler(input, deps) {
    return { record: await translate(async () => (await deps.memory()).update(input)) };
  },
});

export const searchKnowledge = tool({
  name: 'search_knowledge',
  description: 'List records whose metadata matches a filter (type, source, taskId, version, platform, tags), newest first.',
  inputSchema: z.object({ filter: MemoryFilter, limit: z.number().int().min(1).max(200).default(20) }).strict(),
  outputSchema: z.object({ records: z.array(MemoryRecord) }),
  annotations: { readOnlyHint: true },
  async handler({ filter, limit }, deps) {
    return { records: await translate(async () => (await deps.memory()).searchByMetadata(filter, limit)) };
  },
});

/** The seed's memory tools, one to one onto MemoryStore. */
export const MEMORY_TOOLS: ReadonlyArray<ToolDefinition<MemoryToolDeps>> = [storeKnowledge, retrieveContext, updateMemory, searchKnowledge];

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
