import { connect, Index, type Table } from '@lancedb/lancedb';
import { Schema } from 'apache-arrow';
import { memorySchema } from '../actors/memory/lance-rows.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../actors/log/logger.js';
import { CachingEmbedder, type Embedder } from '../actors/memory/embedder.js';
import { LanceMemory } from '../actors/memory/lance-memory.js';
import { MemoryError } from '../actors/memory/memory-store.js';
import { loadTransformersEmbedder } from '../actors/memory/transformers-embedder.js';
import { ingestCommit } from '../actors/memory/ingest.js';
import { TINY_EMBEDDER, tempDir } from './helpers/env.js';

describe('LanceMemory on real LanceDB with transformers.js embeddings', () => {
  const dir = tempDir('memory');
  let embedder: Embedder;
  let memory: LanceMemory;

  beforeAll(async () => {
    embedder = new CachingEmbedder(await loadTransformersEmbedder(TINY_EMBEDDER));
    memory = await LanceMemory.open({ dir: `${dir.path}/db`, embedder, log: silentLogger });
  });
  afterAll(async () => {
    await memory.close();
    dir.cleanup();
  });

  it('takes its dimension and name from the model', () => {
    expect(embedder.name).toBe('tiny-random-bert');
    expect(embedder.dimension).toBe(16);
  });

  it('stores, retrieves with filters, updates and deletes', async () => {
    const store = await memory.forJob('job-crud');
    const a = await store.store({ content: 'createTodo inserts a todo row into the todos table', metadata: { type: 'code', source: 'src/todos.ts', tags: ['todos'] } });
    await store.store({ content: 'listTodos returns every todo, newest first', metadata: { type: 'api_doc', source: 'spec', tags: ['todos', 'read'] } });
    await store.store({ content: 'the deploy step builds a docker image', metadata: { type: 'task', source: 'task:t9' } });

    const hits = await store.retrieve({ query: 'createTodo', topK: 3 });
    expect(hits[0]!.id).toBe(a.id);
    expect(hits[0]!.metadata).toMatchObject({ type: 'code', source: 'src/todos.ts', tags: ['todos'] });

    const docs = await store.retrieve({ query: 'todo', filter: { type: 'api_doc' }, topK: 5 });
    expect(docs.map((h) => h.metadata.type)).toEqual(['api_doc']);
    expect(await store.searchByMetadata({ tags: ['todos', 'read'] })).toHaveLength(1);

    const updated = await store.update({ id: a.id, content: 'createTodo validates the title, then inserts a row', metadata: { tags: ['todos', 'write'] } });
    expect(updated.content).toContain('validates the title');
    expect((await store.retrieve({ query: 'validates title', topK: 1 }))[0]!.id).toBe(a.id);
    expect(await store.searchByMetadata({ tags: ['write'] })).toHaveLength(1);

    expect(await store.delete(a.id)).toBe(true);
    expect(await store.delete(a.id)).toBe(false);
    expect(await store.searchByMetadata({ source: 'src/todos.ts' })).toEqual([]);
    await expect(store.update({ id: a.id, content: 'x' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps jobs apart, and shares the global table', async () => {
    const one = await memory.forJob('job-one');
    const two = await memory.forJob('job-two');
    await one.store({ content: 'secretSauce is defined only in job one', metadata: { type: 'code', source: 'a.ts' } });
    expect(await two.retrieve({ query: 'secretSauce', topK: 5 })).toEqual([]);
    const global = await memory.global();
    await global.store({ content: 'ECONNREFUSED on port 5432: start postgres before the tests', metadata: { type: 'error', source: 'job:job-one' } });
    const found = await (await memory.global()).retrieve({ query: 'ECONNREFUSED', filter: { type: 'error' }, topK: 1 });
    expect(found[0]!.content).toContain('start postgres');
  });

  it('rejects bad input with the field named, and writes nothing', async () => {
    const store = await memory.forJob('job-bad');
    const before = await store.count();
    const error = await store.store({ content: '', metadata: { type: 'code', source: 'x' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemoryError);
    expect((error as MemoryError).reason).toBe('invalid_input');
    expect((error as MemoryError).code).toBe('bad_request');
    expect((error as Error).message).toMatch(/content/);
    await expect(store.store({ content: 'x', metadata: { type: 'nonsense' as 'code', source: 'x' } })).rejects.toThrow(/metadata\.type/);
    await expect(store.retrieve({ query: 'x', topK: 0 })).rejects.toThrow(/topK/);
    expect(await store.count()).toBe(before);
  });

  it("replaces a file's old chunks when a new commit of it is ingested", async () => {
    const store = await memory.forJob('job-code');
    const v1 = 'export function alpha() { return 1; }\nexport function beta() { return 2; }\n';
    await ingestCommit(store, { files: [{ path: 'src/m.ts', content: v1 }], version: 'a'.repeat(40), taskId: 't1' });
    const v2 = 'export function gamma() { return 3; }\n';
    await ingestCommit(store, { files: [{ path: 'src/m.ts', content: v2 }, { path: 'src/n.ts', content: 'export const n = 1;\n' }], version: 'b'.repeat(40), taskId: 't2' });
    const code = await store.searchByMetadata({ type: 'code', source: 'src/m.ts' });
    expect(code).toHaveLength(1);
    expect(code[0]!.metadata).toMatchObject({ version: 'b'.repeat(40), taskId: 't2' });
    expect(code[0]!.content).toContain('gamma');
    expect(code[0]!.metadata.tags).toContain('function gamma');
    const all = await store.retrieve({ query: 'alpha', topK: 5 });
    expect(all.map((h) => h.id).sort()).toEqual(['code:src/m.ts#0', 'code:src/n.ts#0']);
    expect(all.some((h) => h.content.includes('alpha'))).toBe(false);
  });

  it('builds an ANN index once a table passes the threshold, and still finds rows', async () => {
    const indexed = await LanceMemory.open({ dir: `${dir.path}/ann`, embedder, log: silentLogger, annThreshold: 300 });
    const store = await indexed.forJob('job-ann');
    const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
    await store.storeMany(
      Array.from({ length: 320 }, (_, i) => ({ content: `record ${i} about ${words[i % 6]} number${i}`, metadata: { type: 'code' as const, source: `f${i}.ts` } })),
    );
    // The fixture's vectors are random, so the full-text match ties with the nearest vector at the top.
    const hits = await store.retrieve({ query: 'number317', topK: 3 });
    expect(hits.slice(0, 2).map((h) => h.metadata.source)).toContain('f317.ts');
    await indexed.close();
    const db = await connect(`${dir.path}/ann`);
    const table = await db.openTable('job_job-ann');
    expect(await vectorIndexType(table)).toBe('IvfRq');
    // A table indexed by an earlier version (IVF-HNSW-SQ) keeps answering, and gets the current index on its next write.
    await table.createIndex('vector', { config: Index.hnswSq({ distanceType: 'cosine', numPartitions: 1 }), replace: true });
    expect(await vectorIndexType(table)).toBe('IvfHnswSq');
    const lines: string[] = [];
    const reopened = await LanceMemory.open({ dir: `${dir.path}/ann`, embedder, log: createLogger({ level: 'info', write: (line) => lines.push(line) }) });
    const again = await reopened.forJob('job-ann');
    expect(await again.count()).toBe(320);
    // Same model, same vectors: reopening must neither re-embed nor drop the index.
    expect(lines.join('\n')).not.toContain('re-embedding');
    expect(await vectorIndexType(await db.openTable('job_job-ann'))).toBe('IvfHnswSq');
    expect((await again.retrieve({ query: 'number42', topK: 3 })).map((h) => h.metadata.source)).toContain('f42.ts');
    await again.store({ content: 'record 320 about golf', metadata: { type: 'code', source: 'f320.ts' } });
    expect(await vectorIndexType(await db.openTable('job_job-ann'))).toBe('IvfRq');
    expect(await again.count()).toBe(321);
    await reopened.close();
    db.close();
  });
});

describe('LanceMemory without an embedding model', () => {
  it('falls back to full-text search, says so once, and re-embeds when a model arrives', async () => {
    const dir = tempDir('memory-fts');
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: (line) => lines.push(line) });
    try {
      const plain = await LanceMemory.open({ dir: dir.path, embedder: null, log });
      const store = await plain.forJob('job-fts');
      await store.store({ content: 'parseInvoice reads a PDF invoice', metadata: { type: 'code', source: 'src/invoice.ts' } });
      await (await plain.forJob('job-fts-2')).store({ content: 'unrelated', metadata: { type: 'task', source: 't' } });
      expect((await store.retrieve({ query: 'parseInvoice', topK: 1 }))[0]!.content).toContain('PDF');
      expect(lines.filter((l) => l.includes('full-text search only'))).toHaveLength(1);
      await plain.close();

      const embedder = await loadTransformersEmbedder(TINY_EMBEDDER);
      const upgraded = await LanceMemory.open({ dir: dir.path, embedder, log });
      const again = await upgraded.forJob('job-fts');
      expect(await again.count()).toBe(1);
      expect((await again.retrieve({ query: 'parseInvoice', topK: 1 }))[0]!.metadata.source).toBe('src/invoice.ts');
      await upgraded.close();
    } finally {
      dir.cleanup();
    }
  });
});

describe('LanceMemory on a table written before the meta column', () => {
  it('rebuilds it with the column, keeping every row, its metadata and its vector', async () => {
    const dir = tempDir('memory-meta');
    const lines: string[] = [];
    try {
      const embedder = await loadTransformersEmbedder(TINY_EMBEDDER);
      const [vector] = await embedder.embed(['parseInvoice reads a PDF invoice']);
      const db = await connect(dir.path);
      const oldSchema = new Schema(memorySchema(embedder.dimension).fields.filter((f) => f.name !== 'meta'));
      await db.createTable(
        'job_job-old',
        [
          {
            id: 'r1',
            content: 'parseInvoice reads a PDF invoice',
            vector: Array.from(vector!),
            type: 'code',
            source: 'src/invoice.ts',
            task_id: 't3',
            timestamp: '2026-01-02T03:04:05.000Z',
            version: 'abc',
            platform: null,
            tags: ['function parseInvoice'],
            content_hash: 'h',
            embed_model: embedder.name,
          },
        ],
        { schema: oldSchema },
      );
      db.close();

      const memory = await LanceMemory.open({ dir: dir.path, embedder, log: createLogger({ level: 'info', write: (line) => lines.push(line) }) });
      const store = await memory.forJob('job-old');
      expect(await store.get('r1')).toEqual({
        id: 'r1',
        content: 'parseInvoice reads a PDF invoice',
        metadata: { type: 'code', source: 'src/invoice.ts', taskId: 't3', timestamp: '2026-01-02T03:04:05.000Z', version: 'abc', platform: null, tags: ['function parseInvoice'] },
      });
      // The vector is the one stored, not a new embedding: nearest to itself.
      expect(await store.vectorSearch(vector!, 1)).toEqual(['r1']);
      expect(lines.join('\n')).toContain('adding the meta column');
      expect(lines.join('\n')).not.toContain('re-embedding');
      expect((await store.searchByMetadata({ tags: ['function parseInvoice'] })).map((r) => r.id)).toEqual(['r1']);
      await memory.close();
    } finally {
      dir.cleanup();
    }
  });
});

async function vectorIndexType(table: Table): Promise<string | undefined> {
  return (await table.listIndices()).find((i) => i.columns.includes('vector'))?.indexType;
}
