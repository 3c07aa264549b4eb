import { describe, expect, it } from 'vitest';
import type { AcceptanceCheck } from '../../proto/index.js';
import { deriveSuiteFromText } from './derive-checks.js';
import { toJsonSchema } from './json-schema.js';
import { SchemaValidator } from './schema-validator.js';

const SPEC = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'Notes', version: '1' },
  servers: [{ url: 'http://localhost/v1' }],
  paths: {
    '/notes': {
      post: {
        operationId: 'createNote',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/NoteInput' } } } },
        responses: { '201': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Note' } } } }, '422': { description: 'bad' } },
      },
      get: {
        operationId: 'listNotes',
        parameters: [
          { name: 'pinned', in: 'query', schema: { type: 'boolean' } },
          { name: 'archived', in: 'query', schema: { type: 'boolean' } },
        ],
        responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Note' } } } } } },
      },
    },
    '/notes/{noteId}': {
      parameters: [{ name: 'noteId', in: 'path', required: true, schema: { type: 'integer' } }],
      get: { operationId: 'getNote', responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Note' } } } }, '404': { description: 'no' } } },
      patch: {
        operationId: 'archiveNote',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { archived: { type: 'boolean' } } } } } },
        responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Note' } } } } },
      },
      delete: { operationId: 'deleteNote', security: [{ token: [] }], responses: { '204': { description: 'gone' } } },
    },
    '/codes': {
      post: {
        operationId: 'createCode',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: '^(?=.*[A-Z])[a-z]+$' } } } } } },
        responses: { '201': { description: 'ok' } },
      },
    },
  },
  components: {
    securitySchemes: { token: { type: 'http', scheme: 'bearer' } },
    schemas: {
      NoteInput: { type: 'object', required: ['text'], properties: { text: { type: 'string', minLength: 3 }, pinned: { type: 'boolean' }, due: { type: 'string', format: 'date', nullable: true } } },
      Note: { allOf: [{ type: 'object', required: ['id'], properties: { id: { type: 'integer', readOnly: true }, archived: { type: 'boolean' } } }, { $ref: '#/components/schemas/NoteInput' }] },
    },
  },
});

const byId = (checks: AcceptanceCheck[], id: string) => {
  const check = checks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}; have ${checks.map((c) => c.id).join(', ')}`);
  return check;
};

describe('deriving acceptance checks from a spec', () => {
  it('is deterministic: the same spec gives the same suite', async () => {
    expect(await deriveSuiteFromText(SPEC)).toEqual(await deriveSuiteFromText(SPEC));
  });

  it('takes ids from create responses, never from made-up values', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    const read = byId(suite.checks, 'getNote.operation');
    expect(read.steps.map((s) => s.operationId)).toEqual(['createNote', 'getNote']);
    const [create, get] = read.steps;
    expect(create?.capture).toEqual([{ var: 'note1', pointer: '/id' }]);
    expect(get?.request.pathParams).toEqual({ noteId: { var: 'note1' } });
    expect(get?.request.path).toBe('/v1/notes/{noteId}');
  });

  it('builds negative bodies the request schema itself rejects, expecting the documented 4xx', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    const validator = new SchemaValidator(suite.schemas, suite.dialect);
    const negatives = suite.checks.filter((c) => ['missing_required', 'wrong_type', 'constraint'].includes(c.kind) && c.operationId === 'createNote');
    expect(negatives.map((c) => c.id).sort()).toEqual(['createNote.constraint.text.minLength', 'createNote.missing_required.text', 'createNote.wrong_type.due', 'createNote.wrong_type.pinned', 'createNote.wrong_type.text']);
    for (const check of negatives) {
      const step = check.steps.at(-1);
      const body = step?.request.body;
      expect(body?.kind).toBe('json');
      expect(validator.errors('NoteInput', body?.kind === 'json' ? body.value : null).length, check.id).toBeGreaterThan(0);
      expect(step?.expect.statuses).toEqual([422]);
    }
    expect(byId(suite.checks, 'createNote.malformed_json').steps[0]?.expect.statuses).toEqual([422, 400]);
  });

  it('derives a filter check from a query parameter named after a field, with two different values', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    const filter = byId(suite.checks, 'createNote.list_filter.pinned');
    const bodies = filter.steps.slice(0, 2).map((s) => (s.request.body?.kind === 'json' ? s.request.body.value : null));
    expect(bodies.map((b) => (b as { pinned?: boolean } | null)?.pinned)).toEqual([true, false]);
    expect(filter.steps[2]?.request.query).toEqual({ pinned: { value: 'true' } });
    expect(filter.steps[2]?.expect.assertions.map((a) => a.type)).toEqual(['list_includes', 'list_excludes', 'list_all_equal']);
  });

  it('sets a filtered field the create cannot set through the patch, on each item', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    const filter = byId(suite.checks, 'createNote.list_filter.archived');
    expect(filter.unverifiable).toBeNull();
    expect(filter.steps.map((s) => `${s.operationId} ${s.request.body?.kind === 'json' ? JSON.stringify(s.request.body.value) : ''}`.trim())).toEqual([
      'createNote {"text":"string","pinned":true,"due":"2019-08-24"}',
      'archiveNote {"archived":true}',
      'createNote {"text":"string","pinned":true,"due":"2019-08-24"}',
      'archiveNote {"archived":false}',
      'listNotes',
    ]);
    expect(filter.steps[4]?.request.query).toEqual({ archived: { value: 'true' } });
  });

  it('marks what it cannot run as unverifiable, with the reason, instead of guessing', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    // A secured operation is derived with the scheme it needs; only a run without that credential leaves it unverified.
    expect(byId(suite.checks, 'deleteNote.operation').steps.at(-1)?.security).toEqual([['token']]);
    expect(byId(suite.checks, 'createCode.operation').unverifiable).toMatch(/no valid request body for createCode/);
  });

  it('refuses a document that is not OpenAPI 3, saying so', async () => {
    await expect(deriveSuiteFromText('swagger: "2.0"\ninfo: {title: x, version: "1"}\npaths: {}')).rejects.toThrow(/only OpenAPI 3.x/);
    await expect(deriveSuiteFromText('just: text')).rejects.toThrow(/not an OpenAPI document/);
  });
});

describe('OpenAPI 3.0 schemas as JSON Schema', () => {
  const validator = (schema: Record<string, unknown>, direction: 'request' | 'response') => {
    const v = new SchemaValidator({ s: toJsonSchema(schema, '3.0', direction) }, 'draft-07');
    return (value: unknown) => v.errors('s', value);
  };

  it('honours nullable, also around allOf', () => {
    expect(validator({ type: 'string', nullable: true }, 'response')(null)).toEqual([]);
    expect(validator({ type: 'string' }, 'response')(null)).not.toEqual([]);
    expect(validator({ allOf: [{ type: 'object' }], nullable: true }, 'response')(null)).toEqual([]);
    expect(validator({ type: 'string', enum: ['a'], nullable: true }, 'response')(null)).toEqual([]);
  });

  it('reads 3.0 boolean exclusiveMinimum as a bound', () => {
    const check = validator({ type: 'integer', minimum: 1, exclusiveMinimum: true }, 'request');
    expect(check(1)).not.toEqual([]);
    expect(check(2)).toEqual([]);
  });

  it('does not require readOnly fields in requests, nor writeOnly fields in responses', () => {
    const schema = { type: 'object', required: ['id', 'password'], properties: { id: { type: 'string', readOnly: true }, password: { type: 'string', writeOnly: true } } };
    expect(validator(schema, 'request')({ password: 'x' })).toEqual([]);
    expect(validator(schema, 'response')({ id: 'x' })).toEqual([]);
    expect(validator(schema, 'response')({})).toEqual(["(body) must have required property 'id'"]);
  });

  it('honours additionalProperties: false and formats', () => {
    const check = validator({ type: 'object', additionalProperties: false, properties: { id: { type: 'string', format: 'uuid' } } }, 'response');
    expect(check({ id: '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d' })).toEqual([]);
    expect(check({ id: '12' })).toEqual(['/id must match format "uuid"']);
    expect(check({ extra: 1 })).toEqual(['(body) must NOT have additional properties: extra']);
  });
});
