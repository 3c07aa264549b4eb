import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Blueprint, ProtocolError } from '../../proto/index.js';
import { analyzeProject, identifyTechStack, parseRequirements, summarizeSpec } from './analyze-project.js';
import { resourceOf } from './openapi.js';
import { splitMarkdown } from './markdown.js';

const example = (name: string) => readFileSync(fileURLToPath(new URL(`../../examples/todo-api/${name}`, import.meta.url)), 'utf8');

async function rejection(promise: Promise<unknown>): Promise<ProtocolError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProtocolError);
  return error as ProtocolError;
}

describe('ProjectAnalyzer on the example OpenAPI spec', () => {
  it('builds a schema-valid blueprint with every operation, dereferenced', async () => {
    const blueprint = Blueprint.parse(await analyzeProject(example('prompt.md'), example('openapi.yaml')));
    expect(blueprint.spec?.kind).toBe('openapi');
    if (blueprint.spec?.kind !== 'openapi') return;
    expect(blueprint.spec.operations.map((o) => o.operationId).sort()).toEqual(
      ['addItem', 'createList', 'deleteItem', 'listItems', 'listLists', 'updateItem'],
    );
    const addItem = blueprint.spec.operations.find((o) => o.operationId === 'addItem');
    expect(addItem).toMatchObject({ method: 'post', path: '/lists/{listId}/items', resource: 'items' });
    expect(addItem?.requestExample).toEqual({ title: 'Buy milk', dueDate: '2026-12-01' });
    // $refs are resolved, so workers see the real schema.
    expect(JSON.stringify(addItem?.requestSchema)).toContain('"title"');
    expect(JSON.stringify(addItem?.requestSchema)).not.toContain('$ref');
    expect(blueprint.techStack).toMatchObject({ language: 'TypeScript', framework: 'Hono', database: 'SQLite' });
    expect(blueprint.requirements).toContain('POST /lists: Create a list');
    expect(blueprint.structure).toEqual(expect.arrayContaining(['src/routes/items.ts', 'test/lists.test.ts']));
    expect(blueprint.complexity).toBe('medium');
  });

  it('rejects an invalid OpenAPI spec with the parser message and where the problem is', async () => {
    const broken = example('openapi.yaml').replace(/^  title: Todo Lists API\n/m, '');
    const error = await rejection(analyzeProject('x', broken));
    expect(error.code).toBe('bad_request');
    expect(error.message).toContain("must have required property 'title'");
    expect(error.message).toMatch(/>\s*\d+ \|/);
    expect(error.data).toMatchObject({ field: 'spec' });
  });

  it('reports a YAML syntax error with its line and column', async () => {
    const error = await rejection(analyzeProject('x', 'openapi: 3.0.3\ninfo:\n  title: [unclosed\n'));
    expect(error.code).toBe('bad_request');
    expect(error.data).toMatchObject({ field: 'spec', line: expect.any(Number), column: expect.any(Number) });
  });

  it('refuses Swagger 2 and never follows external references', async () => {
    expect((await rejection(summarizeSpec('swagger: "2.0"\ninfo: {title: a, version: "1"}\npaths: {}\n'))).message).toContain('OpenAPI 3');
    const external = [
      'openapi: 3.0.3',
      'info: {title: a, version: "1"}',
      'paths:',
      '  /x:',
      '    get:',
      '      responses:',
      "        '200': { $ref: 'file:///etc/passwd' }",
    ].join('\n');
    const outcome = await summarizeSpec(external).then(
      (s) => JSON.stringify(s),
      (e: unknown) => String(e),
    );
    expect(outcome).not.toContain('root:');
  });
});

describe('spec kinds and requirements', () => {
  it('splits Markdown by heading, keeping # lines inside code fences as content', () => {
    const sections = splitMarkdown('Intro text\n\n# Users\nSign up.\n\n```sh\n# not a heading\n```\n\n## Login\nWith email.\n');
    expect(sections.map((s) => [s.depth, s.heading])).toEqual([
      [0, ''],
      [1, 'Users'],
      [2, 'Login'],
    ]);
    expect(sections[1]?.content).toContain('# not a heading');
  });

  it('treats Markdown and plain text specs as such', async () => {
    expect((await summarizeSpec('# API\n\n## GET /a\nreturns a')).kind).toBe('markdown');
    expect(await summarizeSpec('just some notes')).toEqual({ kind: 'text', text: 'just some notes' });
  });

  it('splits a prompt into sentences and list items', () => {
    expect(parseRequirements('Build an API.\nIt stores\nnotes. Add auth!\n\n- export CSV\n- import CSV', null)).toEqual([
      'Build an API.',
      'It stores notes.',
      'Add auth!',
      'export CSV',
      'import CSV',
    ]);
  });

  it('reads the stack from the prompt and defaults to TypeScript on Node', () => {
    expect(identifyTechStack('A FastAPI service on Postgres')).toMatchObject({ language: 'Python', framework: 'FastAPI', database: 'PostgreSQL' });
    expect(identifyTechStack('A CLI tool')).toMatchObject({ language: 'TypeScript', database: null, frontend: null });
    expect(identifyTechStack('A React dashboard')).toMatchObject({ frontend: 'React' });
    expect(resourceOf('/lists/{id}/items/{itemId}')).toBe('items');
    expect(resourceOf('/')).toBe('root');
  });
});
