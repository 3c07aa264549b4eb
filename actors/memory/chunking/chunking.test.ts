import { describe, expect, it } from 'vitest';
import { chunkCode } from './code-chunks.js';
import { chunkMarkdown } from './markdown-chunks.js';
import { chunkOpenApi } from './openapi-chunks.js';
import { packUnits, splitUnit } from './pack.js';
import { DEFAULT_CHUNK_SIZES } from './chunk.js';
import { estimateTokens } from './tokens.js';

const SMALL = { minTokens: 20, maxTokens: 60, overlapTokens: 8 };

describe('chunkCode', () => {
  const source = [
    "import { db } from './db.js';",
    '',
    '/** Inserts a user. */',
    'export function createUser(name: string) {',
    "  const text = 'function fake() {}';",
    '  return db.insert(name, text);',
    '}',
    '',
    'export class UserStore {',
    '  list() { return []; }',
    '}',
    '',
    'export const MAX_USERS = 10, MIN_USERS = 1;',
    'export type UserId = string;',
  ].join('\n');

  it('names top-level declarations with the TypeScript parser, not a regex', () => {
    const chunks = chunkCode('src/users.ts', source, { minTokens: 0, maxTokens: 1024, overlapTokens: 0 });
    expect(chunks.flatMap((c) => c.names)).toEqual(['function createUser', 'class UserStore', 'const MAX_USERS, MIN_USERS', 'type UserId']);
    const createUser = chunks.find((c) => c.names.includes('function createUser'))!;
    expect(createUser.content).toContain('/** Inserts a user. */');
    expect(createUser.content).toContain("'function fake() {}'");
    expect(createUser.startLine).toBe(4);
  });

  it('packs small declarations up to the minimum size and never past the maximum', () => {
    const chunks = chunkCode('src/users.ts', source, DEFAULT_CHUNK_SIZES);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.names).toContain('class UserStore');
  });

  it('reads JavaScript and TSX too', () => {
    const chunks = chunkCode('web/App.tsx', 'export function App() { return <div>hi</div>; }\n', DEFAULT_CHUNK_SIZES);
    expect(chunks[0]!.names).toEqual(['function App']);
  });
});

describe('packUnits', () => {
  it('splits an oversized unit into overlapping windows within the maximum', () => {
    const text = Array.from({ length: 40 }, (_, i) => `line ${i} of a long function body`).join('\n');
    const chunks = splitUnit({ text, name: 'function big', startLine: 1, endLine: 40 }, SMALL);
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expect(estimateTokens(chunk.content)).toBeLessThanOrEqual(SMALL.maxTokens);
    const [first, second] = chunks;
    const lastOfFirst = first!.content.split('\n').at(-1)!;
    expect(second!.content).toContain(lastOfFirst);
    expect(chunks.at(-1)!.content).toContain('line 39');
  });

  it('keeps units apart once a chunk reaches the minimum', () => {
    const unit = (name: string) => ({ text: `${name} `.repeat(50), name, startLine: 1, endLine: 1 });
    const chunks = packUnits([unit('a'), unit('b'), unit('c')], SMALL);
    expect(chunks.map((c) => c.names)).toEqual([['a'], ['b'], ['c']]);
  });
});

describe('chunkMarkdown', () => {
  it('splits per heading and ignores # inside code fences', () => {
    const text = '# Intro\nHello.\n\n## Install\n```sh\n# not a heading\nnpm i\n```\n\n## Usage\nRun it.\n';
    const chunks = chunkMarkdown(text, DEFAULT_CHUNK_SIZES);
    expect(chunks.map((c) => c.names)).toEqual([['section Intro'], ['section Install'], ['section Usage']]);
    expect(chunks[1]!.content).toContain('# not a heading');
  });
});

describe('chunkOpenApi', () => {
  it('makes one chunk per operation carrying its schemas and examples', () => {
    const chunks = chunkOpenApi('Todo API', [
      {
        operationId: 'createTodo',
        method: 'post',
        path: '/todos',
        summary: 'Create a todo',
        resource: 'todos',
        requestSchema: { type: 'object', required: ['title'], properties: { title: { type: 'string' } } },
        requestExample: { title: 'milk' },
        responses: [{ status: '201', description: 'Created', schema: { type: 'object' } }],
      },
      { operationId: 'listTodos', method: 'get', path: '/todos', summary: '', resource: 'todos', requestSchema: null, requestExample: null, responses: [] },
    ], DEFAULT_CHUNK_SIZES);
    expect(chunks).toHaveLength(2);
    expect(chunks[0]!.names).toEqual(['operation createTodo', 'POST /todos']);
    expect(chunks[0]!.content).toContain('"required":["title"]');
    expect(chunks[0]!.content).toContain('request example: {"title":"milk"}');
  });
});
