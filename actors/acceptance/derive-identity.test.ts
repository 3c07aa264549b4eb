import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { AcceptanceCheck, AcceptanceStep, BodyAssertion } from '../../proto/index.js';
import { deriveSuiteFromText } from './derive-checks.js';
import { evaluateChecks } from './evaluate.js';
import { executeChecks } from './http-executor.js';

/**
 * A spec written the way real ones are: one Item schema for requests and
 * answers, a client-sendable id the server ignores, a readOnly createdAt, an
 * example that carries both, and a nested collection whose items repeat their
 * parent's id.
 */
const SPEC = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'Racks', version: '1' },
  paths: {
    '/racks': {
      post: {
        operationId: 'createRack',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Rack' } } } },
        responses: { '201': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Rack' } } } } },
      },
    },
    '/racks/{rackId}': {
      parameters: [{ name: 'rackId', in: 'path', required: true, schema: { type: 'integer' } }],
      get: { operationId: 'getRack', responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Rack' } } } } } },
    },
    '/racks/{rackId}/items': {
      parameters: [{ name: 'rackId', in: 'path', required: true, schema: { type: 'integer' } }],
      post: {
        operationId: 'createItem',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' }, example: { id: 10, rackId: 3, name: 'pen', price: 1.5, createdAt: '2020-01-01T00:00:00Z' } } } },
        responses: { '201': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } } },
      },
    },
    '/racks/{rackId}/items/{itemId}': {
      parameters: [
        { name: 'rackId', in: 'path', required: true, schema: { type: 'integer' } },
        { name: 'itemId', in: 'path', required: true, schema: { type: 'integer' } },
      ],
      get: { operationId: 'getItem', responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { data: { $ref: '#/components/schemas/Item' } } } } } } } },
      put: {
        operationId: 'replaceItem',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } },
        responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } } },
      },
    },
  },
  components: {
    schemas: {
      Rack: { type: 'object', required: ['label'], properties: { id: { type: 'integer', readOnly: true }, label: { type: 'string' } } },
      Item: {
        type: 'object',
        required: ['name'],
        properties: {
          id: { type: 'integer' },
          rackId: { type: 'integer' },
          name: { type: 'string', minLength: 1 },
          price: { type: 'number' },
          createdAt: { type: 'string', format: 'date-time', readOnly: true },
        },
      },
    },
  },
});

const byId = (checks: AcceptanceCheck[], id: string) => {
  const check = checks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}; have ${checks.map((c) => c.id).join(', ')}`);
  return check;
};
const fieldsCompared = (step: AcceptanceStep | undefined): BodyAssertion | undefined => step?.expect.assertions.find((a) => a.type === 'fields_equal');

describe('identifiers are never treated as data', () => {
  it('create then read compares what the client owns, never the id, a readOnly field or the parent id it sent', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    const check = byId(suite.checks, 'createItem.create_read');
    const [createRack, createItem, read] = check.steps;
    // The example's id, rackId and createdAt go out as the spec's example has them...
    expect(createItem?.request.body).toMatchObject({ kind: 'json', value: { id: 10, rackId: 3, createdAt: '2020-01-01T00:00:00Z' } });
    // ...but only what the client owns must come back; the id read is the captured one, in the wrapper the read documents.
    expect(fieldsCompared(read)).toEqual({ type: 'fields_equal', of: { var: 'item2', idField: 'id' }, fields: { name: 'pen', price: 1.5 }, at: '/data' });
    expect(createRack?.capture).toEqual([{ var: 'rack1', pointer: '/id' }]);
    expect(read?.request.pathParams).toEqual({ rackId: { var: 'rack1' }, itemId: { var: 'item2' } });
  });

  it('an update changes a field the client owns, never the id or a readOnly one, and expects nothing of them back', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    const update = byId(suite.checks, 'createItem.update.replaceItem');
    const replace = update.steps.find((s) => s.operationId === 'replaceItem');
    expect(replace?.name).toBe('replace name');
    const fields = fieldsCompared(update.steps.at(-1));
    expect(fields?.type === 'fields_equal' ? Object.keys(fields.fields).sort() : []).toEqual(['name', 'price']);
  });
});

describe('setup steps name the check that judges their call', () => {
  it('marks creates a check only needs as setup, rooted at the create operation check, and the subject create as not', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    expect(byId(suite.checks, 'createItem.operation').steps.map((s) => [s.name, s.rootCheck])).toEqual([
      ['create rack', 'createRack.operation'],
      ['call createItem', undefined],
    ]);
    expect(byId(suite.checks, 'getItem.operation').steps.map((s) => s.rootCheck)).toEqual(['createRack.operation', 'createItem.operation', undefined]);
    // The update step is the update check's setup too: replaceItem's own check judges its answer.
    expect(byId(suite.checks, 'createItem.update.replaceItem').steps.map((s) => s.rootCheck)).toEqual(['createRack.operation', 'createItem.operation', 'replaceItem.operation', undefined]);
  });
});

/** A create documenting 200 (an envelope) and 201 (the item itself): the id is in a different place in each. */
const TWO_SUCCESSES = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'Tags', version: '1' },
  paths: {
    '/tags': {
      post: {
        operationId: 'createTag',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } } },
        responses: {
          '200': { description: 'already there', content: { 'application/json': { schema: { type: 'object', properties: { data: { $ref: '#/components/schemas/Tag' } } } } } },
          '201': { description: 'created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Tag' } } } },
        },
      },
    },
    '/tags/{tagId}': {
      parameters: [{ name: 'tagId', in: 'path', required: true, schema: { type: 'integer' } }],
      get: { operationId: 'getTag', responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Tag' } } } } } },
    },
  },
  components: { schemas: { Tag: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'integer' }, name: { type: 'string' } } } } },
});

describe('a setup create tolerates every documented success', () => {
  it('captures the id from where the status that came back puts it, and goes on with it', async () => {
    const suite = await deriveSuiteFromText(TWO_SUCCESSES);
    const check = byId(suite.checks, 'getTag.operation');
    expect(check.steps[0]?.capture).toEqual([
      { var: 'tag1', pointer: '/data/id', status: 200 },
      { var: 'tag1', pointer: '/id', status: 201 },
    ]);
    expect(check.steps[0]?.expect.statuses).toEqual([200, 201]);
    // The app answers the create with its envelope (200), carrying an id the 201 shape would not find.
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') res.writeHead(200).end(JSON.stringify({ data: { id: 7, name: 'x' }, id: 'not-this' }));
      else res.writeHead(req.url === '/tags/7' ? 200 : 404).end(JSON.stringify({ id: 7, name: 'x' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const outcomes = await executeChecks([check], `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      expect(outcomes[0]?.steps[1]?.sent?.path).toBe('/tags/7');
      expect(evaluateChecks({ ...suite, checks: [check] }, outcomes).map((r) => [r.status, r.actual.problem])).toEqual([['passed', null]]);
    } finally {
      server.close();
    }
  });
});
