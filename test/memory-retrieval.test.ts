import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../actors/log/logger.js';
import { analyzeProject } from '../actors/analysis/analyze-project.js';
import { LanceMemory } from '../actors/memory/lance-memory.js';
import type { LanceMemoryStore } from '../actors/memory/lance-memory-store.js';
import { ingestBlueprint, ingestCommit } from '../actors/memory/ingest.js';
import { REPO_ROOT, tempDir } from './helpers/env.js';

/**
 * A real multi-file TypeScript project (this repository's own scheduler,
 * git, memory and analysis code) plus a real OpenAPI spec, searched with
 * full-text search alone: no embedding model, as on a machine without one.
 */
const PROJECT_FILES = [
  'machines/scheduler.ts',
  'machines/task-queue.ts',
  'machines/plan.ts',
  'actors/git/repo.ts',
  'actors/memory/rrf.ts',
  'actors/memory/context-budget.ts',
  'actors/memory/chunking/pack.ts',
  'actors/analysis/openapi.ts',
  'actors/worker/file-sections.ts',
  'daemon/file-job-store.ts',
];

const QUESTIONS: Array<{ question: string; expect: RegExp }> = [
  { question: 'How does pickReadyTasks choose what runs next?', expect: /function pickReadyTasks/ },
  { question: 'what does reciprocalRankFusion compute', expect: /function reciprocalRankFusion/ },
  { question: 'where is findCommitWithTrailers', expect: /function findCommitWithTrailers/ },
  { question: 'explain splitUnit windows overlap', expect: /function splitUnit/ },
  { question: 'how is fitToBudget deciding omitted chunks', expect: /function fitToBudget/ },
  { question: 'parseFileSections answer format', expect: /function parseFileSections/ },
  { question: 'Which request body does the addItem operation take?', expect: /operation addItem/ },
  { question: 'What does updateItem return?', expect: /operation updateItem/ },
  { question: 'createList endpoint', expect: /operation createList/ },
  { question: 'deleteItem', expect: /operation deleteItem/ },
];

describe('retrieval quality with full-text search alone', () => {
  const dir = tempDir('memory-quality');
  let memory: LanceMemory;
  let store: LanceMemoryStore;

  beforeAll(async () => {
    memory = await LanceMemory.open({ dir: dir.path, embedder: null, log: silentLogger });
    store = await memory.forJob('job-quality');
    const files = PROJECT_FILES.map((path) => ({ path, content: readFileSync(join(REPO_ROOT, path), 'utf8') }));
    const ids = await ingestCommit(store, { files, version: 'c'.repeat(40), taskId: 'scaffold' });
    expect(ids.length).toBeGreaterThanOrEqual(PROJECT_FILES.length);
    const spec = readFileSync(join(REPO_ROOT, 'examples/todo-api/openapi.yaml'), 'utf8');
    const blueprint = await analyzeProject(readFileSync(join(REPO_ROOT, 'examples/todo-api/prompt.md'), 'utf8'), spec);
    expect(await ingestBlueprint(store, blueprint)).toBeGreaterThanOrEqual(6);
  });
  afterAll(async () => {
    await memory.close();
    dir.cleanup();
  });

  it.each(QUESTIONS)('"$question" finds the right chunk in the top 3', async ({ question, expect: wanted }) => {
    const hits = await store.retrieve({ query: question, topK: 3 });
    expect(hits.some((h) => wanted.test(h.content) || h.metadata.tags.some((t) => wanted.test(t)))).toBe(true);
  });

  it('narrows by metadata: code questions filtered to api_doc find only docs', async () => {
    const hits = await store.retrieve({ query: 'addItem items', filter: { type: 'api_doc' }, topK: 3 });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.metadata.type === 'api_doc')).toBe(true);
  });
});
