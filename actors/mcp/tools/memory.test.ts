import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/logger.js';
import { LanceMemory } from '../../memory/lance-memory.js';
import { callTool, ToolError } from '../tool.js';
import { retrieveContext, searchKnowledge, storeKnowledge, updateMemory, type MemoryToolDeps } from './memory.js';

let dir: string;
let memory: LanceMemory;
let deps: MemoryToolDeps;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autodev-memory-tools-'));
  // Real LanceDB; no embedding model, so retrieval is full-text only (as in a daemon without one).
  memory = await LanceMemory.open({ dir, embedder: null, log: silentLogger });
  deps = { memory: () => memory.forJob('j1') };
});
afterAll(async () => {
  await memory.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('memory tools, called as definitions', () => {
  it('stores, updates, finds by metadata and retrieves by text in a real LanceDB table', async () => {
    const { record } = await callTool(storeKnowledge, { content: 'Retries use exponential backoff with jitter', metadata: { type: 'task', source: 'test', tags: ['retries'] } }, deps);
    const updated = await callTool(updateMemory, { id: record.id, metadata: { tags: ['retries', 'payments'] } }, deps);
    expect(updated.record.metadata.tags).toEqual(['retries', 'payments']);
    expect((await callTool(searchKnowledge, { filter: { type: 'task' } }, deps)).records.map((r) => r.id)).toEqual([record.id]);
    expect((await callTool(retrieveContext, { query: 'exponential backoff' }, deps)).hits.map((h) => h.id)).toContain(record.id);
  });

  it('answers an unknown id with a not_found ToolError', async () => {
    const error = await callTool(updateMemory, { id: 'no-such-id', content: 'x' }, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).reason).toBe('not_found');
  });
});
