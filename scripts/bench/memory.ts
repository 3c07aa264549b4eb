/**
 * Memory benchmark on the real LanceMemory store: ingest 100k chunks, then
 * filtered hybrid queries (full-text + vector, RRF) and the ANN index's
 * recall@10 against exact search on the same vectors. Embeddings are random
 * 384-dim unit vectors (seeded), which is the hard case for an ANN index:
 * they have no cluster structure. Run by hand after `npm run build`:
 *   node dist/scripts/bench/memory.js [--chunks 100000] [--queries 200] [--rounds 3]
 * Query latencies are pooled over interleaved rounds (narrow, broad and no
 * filter in turn), so a burst of load from elsewhere touches all three alike;
 * each round's p50 is printed on its own line.
 * The last line is JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../../actors/log/logger.js';
import type { Embedder } from '../../actors/memory/embedder.js';
import { LanceMemory } from '../../actors/memory/lance-memory.js';
import type { MemoryType } from '../../proto/memory.js';

const DIMENSION = 384;
const TYPES: MemoryType[] = ['api_doc', 'code', 'task', 'test', 'error'];

/** xorshift32: the same vectors on every run, so runs compare. */
function randomUnitVector(seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const v = new Float32Array(DIMENSION);
  let norm = 0;
  for (let i = 0; i < DIMENSION; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    v[i] = (state >>> 0) / 2 ** 32 - 0.5;
    norm += v[i]! * v[i]!;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < DIMENSION; i += 1) v[i]! *= scale;
  return v;
}

function seedOf(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

const randomEmbedder: Embedder = {
  name: 'random-384',
  dimension: DIMENSION,
  async embed(texts) {
    return texts.map((t) => randomUnitVector(seedOf(t)));
  },
};

function queryText(q: number): string {
  return `handler${(q * 37) % 5000} validates request`;
}

function ms(value: number): number {
  return Number(value.toFixed(2));
}

/** Sorted durations of `count` sequential queries. */
async function timeQueries(count: number, query: (q: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let q = 0; q < count; q += 1) {
    const started = performance.now();
    await query(q);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { chunks: { type: 'string', default: '100000' }, queries: { type: 'string', default: '200' }, rounds: { type: 'string', default: '3' } } });
  const total = Number(values.chunks);
  const queryCount = Number(values.queries);
  const rounds = Math.max(1, Number(values.rounds));
  const dir = mkdtempSync(join(tmpdir(), 'autodev-bench-memory-'));
  const memory = await LanceMemory.open({ dir, embedder: randomEmbedder, log: silentLogger, annThreshold: Number.MAX_SAFE_INTEGER });
  try {
    const store = await memory.forJob('bench');
    const batch = 5_000;
    const ingestStart = performance.now();
    for (let i = 0; i < total; i += batch) {
      const inputs = Array.from({ length: Math.min(batch, total - i) }, (_, j) => {
        const n = i + j;
        return {
          content: `chunk ${n}: function handler${n % 5000} validates request ${n % 977} and writes table${n % 50}`,
          metadata: { type: TYPES[n % TYPES.length]!, source: `src/file${n % 2000}.ts`, tags: [`module${n % 20}`] },
        };
      });
      await store.storeMany(inputs);
      process.stderr.write(`\ringested ${Math.min(i + batch, total)}/${total}`);
    }
    const ingestSeconds = (performance.now() - ingestStart) / 1000;
    process.stderr.write('\nbuilding the ANN index...\n');
    const indexStart = performance.now();
    await store.buildAnnIndex();
    const indexSeconds = (performance.now() - indexStart) / 1000;

    // Warm the index caches, as a daemon that has served a job would have them.
    await timeQueries(20, (q) => store.retrieve({ query: queryText(q + 7), topK: 10 }));
    // The target is on the narrow filter (type and tag: 5% of rows); the others show how filters change it.
    const narrow: number[] = [];
    const broad: number[] = [];
    const unfiltered: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const offset = round * queryCount;
      const n = await timeQueries(queryCount, (q) => store.retrieve({ query: queryText(q + offset), filter: { type: TYPES[q % TYPES.length]!, tags: [`module${q % 20}`] }, topK: 10 }));
      const b = await timeQueries(queryCount, (q) => store.retrieve({ query: queryText(q + offset), filter: { type: TYPES[q % TYPES.length]! }, topK: 10 }));
      const u = await timeQueries(queryCount, (q) => store.retrieve({ query: queryText(q + offset), topK: 10 }));
      console.log(JSON.stringify({ round, query_p50_ms: ms(percentile(n, 50)), broad_filter_query_p50_ms: ms(percentile(b, 50)), unfiltered_query_p50_ms: ms(percentile(u, 50)) }));
      narrow.push(...n);
      broad.push(...b);
      unfiltered.push(...u);
    }
    for (const times of [narrow, broad, unfiltered]) times.sort((a, b) => a - b);

    // recall_at_10: vectorSearch as callers get it (refined); unrefined: as hybrid retrieval ranks its vector candidates.
    let found = 0;
    let foundUnrefined = 0;
    const recallQueries = 50;
    for (let q = 0; q < recallQueries; q += 1) {
      const vector = randomUnitVector(1_000_003 + q);
      const exact = new Set(await store.vectorSearch(vector, 10, { exact: true }));
      found += (await store.vectorSearch(vector, 10)).filter((id) => exact.has(id)).length;
      foundUnrefined += (await store.vectorSearch(vector, 10, { refine: false })).filter((id) => exact.has(id)).length;
    }
    const result = {
      chunks: total,
      dimension: DIMENSION,
      ingest_chunks_per_s: Math.round(total / ingestSeconds),
      index_build_s: Number(indexSeconds.toFixed(1)),
      query_p50_ms: ms(percentile(narrow, 50)),
      query_p99_ms: ms(percentile(narrow, 99)),
      broad_filter_query_p50_ms: ms(percentile(broad, 50)),
      unfiltered_query_p50_ms: ms(percentile(unfiltered, 50)),
      recall_at_10: Number((found / (recallQueries * 10)).toFixed(3)),
      unrefined_recall_at_10: Number((foundUnrefined / (recallQueries * 10)).toFixed(3)),
    };
    console.log(`ingest ${result.ingest_chunks_per_s} chunks/s; index ${result.index_build_s} s; filtered hybrid query p50 ${result.query_p50_ms} ms, p99 ${result.query_p99_ms} ms (type-only filter ${result.broad_filter_query_p50_ms} ms, unfiltered ${result.unfiltered_query_p50_ms} ms); recall@10 ${result.recall_at_10} (unrefined ${result.unrefined_recall_at_10})`);
    console.log(JSON.stringify(result));
  } finally {
    await memory.close();
    if (process.env.AUTODEV_BENCH_KEEP) process.stderr.write(`kept the database in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
