import { describe, expect, it } from 'vitest';
import { memorySection, repositoryContext } from './prompts.js';

describe('memorySection', () => {
  it('shows chunks with their ids and names what was left out, never cutting a chunk', () => {
    const text = memorySection({
      chunks: [{ id: 'code:src/a.ts#0', type: 'code', source: 'src/a.ts', content: 'export function a() {}' }],
      omitted: [{ id: 'api_doc:3', source: 'spec:openapi' }, { id: 'api_doc:4', source: 'spec:openapi' }],
      budgetTokens: 100,
    });
    expect(text).toContain('--- [code:src/a.ts#0] code from src/a.ts\nexport function a() {}');
    expect(text).toContain('2 more relevant chunk(s) left out for lack of room, from: spec:openapi');
  });

  it('is empty without memory', () => {
    expect(memorySection(null)).toBe('');
    expect(memorySection({ chunks: [], omitted: [], budgetTokens: 0 })).toBe('');
  });
});

describe('repositoryContext', () => {
  it('names the files that did not fit', () => {
    const text = repositoryContext({ commit: 'c', files: [{ path: 'a.ts', content: 'x'.repeat(50) }, { path: 'b.ts', content: 'y'.repeat(500) }] }, 120);
    expect(text).toContain('--- a.ts');
    expect(text).toContain('not shown for lack of room: b.ts');
  });
});
