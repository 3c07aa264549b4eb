import { describe, expect, it } from 'vitest';
import type { AcceptanceCheck, AcceptanceStep } from '../../proto/index.js';
import { deriveSuiteFromText } from './derive-checks.js';
import { evaluateChecks } from './evaluate.js';
import type { CheckOutcome, StepOutcome } from './http-executor.js';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const MEMBER = { $ref: '#/components/schemas/Member' };

const SPEC = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'State', version: '1' },
  paths: {
    '/members': {
      post: {
        operationId: 'createMember',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/MemberInput' }, example: { email: 'ada@example.com', name: 'Ada', credits: 10, level: 'gold' } } } },
        responses: { '201': { description: 'ok', content: json(MEMBER) }, '400': { description: 'bad' }, '409': { description: 'a member with this email already exists' } },
      },
      get: {
        operationId: 'listMembers',
        parameters: [
          { name: 'level', in: 'query', schema: { type: 'string', enum: ['gold', 'silver'] } },
          { name: 'name', in: 'query', schema: { type: 'string' } },
          { name: 'credits', in: 'query', schema: { type: 'integer' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 500 } },
        ],
        responses: { '200': { description: 'ok', content: json({ type: 'array', items: MEMBER }) } },
      },
    },
    '/members/{memberId}': {
      parameters: [{ name: 'memberId', in: 'path', required: true, schema: { type: 'integer' } }],
      get: { operationId: 'getMember', responses: { '200': { description: 'ok', content: json(MEMBER) }, '404': { description: 'no' } } },
      patch: {
        operationId: 'updateMember',
        requestBody: { required: true, content: json({ type: 'object', properties: { email: { type: 'string', format: 'email' }, name: { type: 'string' } } }) },
        responses: { '200': { description: 'ok', content: json(MEMBER) }, '409': { description: 'the email is taken' } },
      },
    },
    '/members/{memberId}/spend': {
      parameters: [{ name: 'memberId', in: 'path', required: true, schema: { type: 'integer' } }],
      post: {
        operationId: 'spend',
        requestBody: { required: true, content: json({ type: 'object', required: ['amount'], properties: { amount: { type: 'integer', minimum: 1 } } }) },
        responses: { '200': { description: 'ok', content: json(MEMBER) }, '422': { description: 'not enough credits: credits cannot go below 0' } },
      },
    },
    '/products': {
      get: { operationId: 'listProducts', responses: { '200': { description: 'ok', content: json({ type: 'object', properties: { data: { type: 'array', items: { $ref: '#/components/schemas/Product' } } } }) } } },
    },
    '/products/{productId}': {
      get: {
        operationId: 'getProduct',
        parameters: [{ name: 'productId', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: { '200': { description: 'ok', content: json({ $ref: '#/components/schemas/Product' }) }, '404': { description: 'no' } },
      },
    },
    '/categories/{slug}': {
      get: {
        operationId: 'getCategory',
        parameters: [{ name: 'slug', in: 'path', required: true, example: 'garden', schema: { type: 'string' } }],
        responses: { '200': { description: 'ok', content: json({ type: 'object' }) }, '404': { description: 'no' } },
      },
    },
    '/orphans/{orphanId}': {
      get: { operationId: 'getOrphan', parameters: [{ name: 'orphanId', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'ok' } } },
    },
  },
  components: {
    schemas: {
      MemberInput: {
        type: 'object',
        required: ['email', 'name'],
        properties: { email: { type: 'string', format: 'email' }, name: { type: 'string' }, credits: { type: 'integer', minimum: 0 }, level: { type: 'string', enum: ['gold', 'silver'] } },
      },
      Member: { allOf: [{ $ref: '#/components/schemas/MemberInput' }, { type: 'object', required: ['id'], properties: { id: { type: 'integer', readOnly: true } } }] },
      Product: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'integer' }, name: { type: 'string' } } },
    },
  },
});

const byId = (checks: AcceptanceCheck[], id: string) => {
  const check = checks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}; have ${checks.map((c) => c.id).join(', ')}`);
  return check;
};
const bodyOf = (step: AcceptanceStep | undefined) => (step?.request.body?.kind === 'json' ? (step.request.body.value as Record<string, unknown>) : null);

describe('checks of what the app stores, conflicts and reads without a create', () => {
  it('runs the after-writes pass last: every list, a read-back from it, and exact filters', async () => {
    const { checks } = await deriveSuiteFromText(SPEC);
    const firstAfter = checks.findIndex((c) => c.kind === 'after_writes');
    const lastWrite = checks.map((c) => c.steps.some((s) => s.request.method !== 'get')).lastIndexOf(true);
    expect(firstAfter).toBeGreaterThan(lastWrite);
    expect(checks.slice(firstAfter).every((c) => c.kind === 'after_writes')).toBe(true);
    const ids = checks.filter((c) => c.kind === 'after_writes').map((c) => c.id);
    expect(ids).toEqual(['listMembers.after_writes.list', 'getMember.after_writes.read', 'listMembers.after_writes.filter.level', 'listProducts.after_writes.list', 'getProduct.after_writes.read']);
    // Only reads: the pass must not write what it then reads.
    expect(checks.slice(firstAfter).every((c) => c.steps.every((s) => s.request.method === 'get'))).toBe(true);
    const list = byId(checks, 'listMembers.after_writes.list').steps[0];
    expect(list?.request.query).toEqual({ limit: { value: '500' } });
    expect(list?.expect.media['200']?.schema).toBeTruthy();
    const read = byId(checks, 'getProduct.after_writes.read');
    expect(read.steps[0]?.capture).toEqual([{ var: expect.any(String), pointer: '/data/0/id', optional: true }]);
    expect(read.steps[1]?.expect.assertions).toEqual([{ type: 'fields_equal', of: { var: read.steps[0]?.capture[0]?.var, idField: 'id' }, fields: {} }]);
    // An enum filter, with the value the creates sent; free text (name) may match in part and a number (credits) be a bound, so both are left out.
    expect(byId(checks, 'listMembers.after_writes.filter.level').steps[0]?.expect.assertions).toEqual([{ type: 'list_all_equal', field: 'level', value: 'gold' }]);
  });

  it('reads a resource nothing creates on an id from its list, or else on the spec example, where a 404 is inconclusive', async () => {
    const { checks } = await deriveSuiteFromText(SPEC);
    const product = byId(checks, 'getProduct.operation');
    expect(product.unverifiable).toBeNull();
    expect(product.steps.map((s) => s.operationId)).toEqual(['listProducts', 'getProduct']);
    expect(product.steps[0]?.capture[0]).toMatchObject({ pointer: '/data/0/id', optional: true });
    expect(product.steps[1]?.request.pathParams).toEqual({ productId: { var: product.steps[0]?.capture[0]?.var } });
    const category = byId(checks, 'getCategory.operation');
    expect(category.steps[0]?.request.pathParams).toEqual({ slug: { value: 'garden' } });
    expect(category.steps[0]?.expect.inconclusive).toMatchObject({ statuses: [404] });
    expect(byId(checks, 'getOrphan.operation').unverifiable).toMatch(/no operation creates or lists a resource at \/orphans, and the spec has no example of \{orphanId\}/);
  });

  it('judges an empty list and an example id the app lacks as unverified, never failed or passed', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    const step = (status: number, body: unknown): StepOutcome => ({ sent: { method: 'GET', path: '/', body: null }, response: { status, contentType: 'application/json', body: JSON.stringify(body), truncated: false }, error: null, captured: {}, durationMs: 1 });
    const notSent: StepOutcome = { sent: null, response: null, error: 'not sent: no id was captured', captured: {}, durationMs: 0 };
    const outcomes: CheckOutcome[] = [
      { id: 'getProduct.operation', steps: [step(200, { data: [] }), notSent] },
      { id: 'getCategory.operation', steps: [step(404, { error: 'no' })] },
    ];
    const results = evaluateChecks({ ...suite, checks: suite.checks.filter((c) => c.id === 'getProduct.operation' || c.id === 'getCategory.operation') }, outcomes);
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['getProduct.operation', 'unverified'],
      ['getCategory.operation', 'unverified'],
    ]);
    expect(results[0]?.actual.problem).toMatch(/nothing at \/data\/0\/id to take an id from/);
    expect(results[1]?.actual.problem).toMatch(/got 404: the id came from the spec's example of \{slug\}/);
  });

  it('provokes the documented 409s with a duplicate create and a taken email', async () => {
    const { checks } = await deriveSuiteFromText(SPEC);
    const duplicate = byId(checks, 'createMember.conflict.duplicate');
    expect(duplicate.kind).toBe('conflict');
    const [first, again] = duplicate.steps;
    expect(bodyOf(again)).toEqual(bodyOf(first));
    expect(again?.expect.statuses).toEqual([409]);
    expect(again?.name).toMatch(/409 is documented \("a member with this email already exists"\)/);
    const taken = byId(checks, 'updateMember.conflict.duplicate.email');
    const [a, b, change] = taken.steps;
    expect(bodyOf(change)).toEqual({ email: bodyOf(a)?.email });
    expect(bodyOf(a)?.email).not.toEqual(bodyOf(b)?.email);
    expect(change?.expect.statuses).toEqual([409]);
  });

  it('provokes a documented 422 with a change that would take a bounded field below its minimum', async () => {
    const { checks } = await deriveSuiteFromText(SPEC);
    const spend = byId(checks, 'spend.unprocessable.credits.below');
    const [create, change] = spend.steps;
    expect(bodyOf(create)?.credits).toBe(10);
    expect(bodyOf(change)).toEqual({ amount: 11 });
    expect(change?.expect.statuses).toEqual([422]);
    expect(change?.name).toMatch(/taking it to -1, past its documented minimum 0/);
  });

  it('provokes nothing it would have to guess at: a 409 about a value the server sets, a bare "validation failed"', async () => {
    const spec = JSON.parse(SPEC) as { paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>> };
    const create = spec.paths['/members']?.post;
    const spend = spec.paths['/members/{memberId}/spend']?.post;
    if (!create || !spend) throw new Error('the spec changed');
    create.responses['409'] = { description: 'a member with this id already exists' };
    spend.responses['422'] = { description: 'validation failed' };
    const { checks } = await deriveSuiteFromText(JSON.stringify(spec));
    // The update's 409 still names the email, which clients set: that one is still provoked.
    expect(checks.filter((c) => c.kind === 'conflict' || c.kind === 'unprocessable').map((c) => c.id)).toEqual(['updateMember.conflict.duplicate.email']);
  });

  it('gives every create of a resource that refuses duplicates its own email, and expects back what it sent', async () => {
    const { checks } = await deriveSuiteFromText(SPEC);
    const duplicates = new Set(['createMember.conflict.duplicate']);
    const creates = checks.filter((c) => !duplicates.has(c.id)).flatMap((c) => c.steps.filter((s) => s.operationId === 'createMember' && s.expect.statusClass === '2xx'));
    const emails = creates.map((s) => bodyOf(s)?.email);
    expect(emails.length).toBeGreaterThan(5);
    expect(new Set(emails).size).toBe(emails.length);
    expect(emails).not.toContain('ada@example.com');
    const readBack = byId(checks, 'createMember.create_read');
    const sent = bodyOf(readBack.steps[0]);
    const assertion = readBack.steps[1]?.expect.assertions[0];
    expect(assertion?.type === 'fields_equal' && assertion.fields.email).toBe(sent?.email);
  });
});
