import { describe, expect, it } from 'vitest';
import type { AcceptanceCheck, AcceptanceStep } from '../../proto/index.js';
import { deriveSuiteFromText } from './derive-checks.js';

const json = (schema: unknown) => ({ 'application/json': { schema } });

/** A stocked item (quantity 10, within 0..100) and three ways to change its quantity by an amount. */
function spec(moves: Record<string, unknown>): string {
  const item = { type: 'object', required: ['sku'], properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 0, maximum: 100, default: 0 } } };
  const stored = { allOf: [item, { type: 'object', required: ['id'], properties: { id: { type: 'integer', readOnly: true } } }] };
  const param = [{ name: 'itemId', in: 'path', required: true, schema: { type: 'integer' } }];
  const refusals = {
    '201': { description: 'ok', content: json(stored) },
    '409': { description: 'the quantity would go below 0' },
    '422': { description: 'the quantity would exceed the maximum 100' },
  };
  const move = (path: string, operationId: string, body: unknown) => [path, { parameters: param, post: { operationId, requestBody: { required: true, content: json(body) }, responses: refusals } }];
  return JSON.stringify({
    openapi: '3.0.3',
    info: { title: 'Bounds', version: '1' },
    paths: {
      '/items': {
        post: { operationId: 'addItem', requestBody: { required: true, content: { 'application/json': { schema: item, example: { sku: 'A', quantity: 10 } } } }, responses: { '201': { description: 'ok', content: json(stored) } } },
      },
      '/items/{itemId}': { parameters: param, get: { operationId: 'getItem', responses: { '200': { description: 'ok', content: json(stored) } } } },
      ...Object.fromEntries(Object.entries(moves).map(([name, body]) => move(`/items/{itemId}/${name}`, name, body))),
    },
  });
}

const byId = (checks: AcceptanceCheck[], id: string) => {
  const check = checks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}; have ${checks.map((c) => c.id).join(', ')}`);
  return check;
};
const bodyOf = (step: AcceptanceStep | undefined) => (step?.request.body?.kind === 'json' ? (step.request.body.value as Record<string, unknown>) : null);

describe('bound checks: a change by an amount that would take a field past its documented bound', () => {
  it('sends a signed delta: below the minimum it takes out one more than the item holds, above the maximum it adds one too many', async () => {
    const { checks } = await deriveSuiteFromText(spec({ movements: { type: 'object', required: ['delta'], properties: { delta: { type: 'integer', minimum: -1000, maximum: 1000 } } } }));
    const below = byId(checks, 'movements.conflict.quantity.below');
    expect(bodyOf(below.steps[0])?.quantity).toBe(10);
    // 10 + (-11) = -1: one past the minimum 0. A delta of +11 would be a valid movement, answered 201.
    expect(bodyOf(below.steps[1])).toEqual({ delta: -11 });
    expect(below.steps[1]?.name).toMatch(/change quantity by delta=-11, taking it to -1/);
    const above = byId(checks, 'movements.unprocessable.quantity.above');
    // 10 + 91 = 101: one past the maximum 100.
    expect(bodyOf(above.steps[1])).toEqual({ delta: 91 });
    expect(above.steps[1]?.name).toMatch(/taking it to 101/);
  });

  it('sends the size of the change where the amount cannot be negative or the operation names its way', async () => {
    const positive = { type: 'object', required: ['amount'], properties: { amount: { type: 'integer', minimum: 1 } } };
    const unsigned = { type: 'object', required: ['amount'], properties: { amount: { type: 'integer' } } };
    const { checks } = await deriveSuiteFromText(spec({ take: positive, withdraw: unsigned, deposit: unsigned }));
    // No negative amount is valid: 11 taken from 10 leaves -1.
    expect(bodyOf(byId(checks, 'take.conflict.quantity.below').steps[1])).toEqual({ amount: 11 });
    // The schema would take -11, but a withdrawal of -11 is a deposit: the name says the amount comes off.
    expect(bodyOf(byId(checks, 'withdraw.conflict.quantity.below').steps[1])).toEqual({ amount: 11 });
    expect(bodyOf(byId(checks, 'deposit.unprocessable.quantity.above').steps[1])).toEqual({ amount: 91 });
  });
});
