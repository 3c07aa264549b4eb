import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from './rrf.js';
import { filterToSql } from './lance-rows.js';
import { fitToBudget, memoryBudget } from './context-budget.js';
import { CachingEmbedder, type Embedder } from './embedder.js';
import type { MemoryHit } from '../../proto/memory.js';

describe('reciprocalRankFusion', () => {
  it('ranks an item found by both searches above items found by one', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['c', 'd'],
    ]);
    expect(fused[0]!.id).toBe('c');
    expect(fused.map((f) => f.id).sort()).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('filterToSql', () => {
  it('escapes quotes and combines every field', () => {
    expect(filterToSql({ type: ['code', 'test'], source: "it's.ts", tags: ['a'] })).toBe(
      "type IN ('code', 'test') AND source = 'it''s.ts' AND array_has_all(tags, make_array('a'))",
    );
    expect(filterToSql({})).toBeUndefined();
  });
});

describe('fitToBudget', () => {
  const hit = (id: string, chars: number): MemoryHit => ({
    id,
    content: 'x'.repeat(chars),
    score: 1,
    metadata: { type: 'code', source: `${id}.ts`, taskId: null, timestamp: '2026-01-01T00:00:00.000Z', version: null, platform: null, tags: [] },
  });

  it('keeps whole chunks in rank order and names the ones that do not fit', () => {
    const context = fitToBudget([hit('a', 400), hit('b', 4000), hit('c', 400)], 300);
    expect(context.chunks.map((c) => c.id)).toEqual(['a', 'c']);
    expect(context.omitted).toEqual([{ id: 'b', source: 'b.ts' }]);
    expect(context.chunks.every((c) => c.content.length === 400)).toBe(true);
  });

  it('leaves room for the answer and the rest of the prompt', () => {
    expect(memoryBudget({ contextTokens: 4096, answerTokens: 1024, fixedTokens: 1000, reserveTokens: 96 })).toBe(1976);
    expect(memoryBudget({ contextTokens: 1024, answerTokens: 1024, fixedTokens: 10 })).toBe(0);
  });
});

describe('CachingEmbedder', () => {
  it('embeds each distinct text once, in batches', async () => {
    const batches: string[][] = [];
    const inner: Embedder = {
      name: 'counting',
      dimension: 1,
      async embed(texts) {
        batches.push([...texts]);
        return texts.map((t) => Float32Array.of(t.length));
      },
    };
    const cached = new CachingEmbedder(inner, { batchSize: 2 });
    const first = await cached.embed(['a', 'bb', 'a', 'ccc']);
    expect(first.map((v) => v[0])).toEqual([1, 2, 1, 3]);
    await cached.embed(['bb', 'dddd']);
    expect(batches).toEqual([['a', 'bb'], ['ccc'], ['dddd']]);
  });
});
