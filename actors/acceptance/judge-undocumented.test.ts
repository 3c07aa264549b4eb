import { describe, expect, it } from 'vitest';
import type { AcceptanceCheck, AcceptanceStep, AcceptanceSuite, StepExpectation } from '../../proto/index.js';
import { evaluateChecks } from './evaluate.js';
import type { StepOutcome } from './http-executor.js';

const ITEM = { type: 'object', required: ['name', 'price'], properties: { id: { type: 'integer' }, name: { type: 'string' }, price: { type: 'number' } } };
const ITEM_MEDIA = { contentType: 'application/json', schema: 'Item' };
const suiteOf = (checks: AcceptanceCheck[]): AcceptanceSuite => ({ type: 'acceptance.suite', title: 't', checks, schemas: { Item: ITEM }, dialect: 'draft-07' });

/** What expectations.ts derives where the spec documents no 4xx: any 4xx, or a documented success. */
const refuseOr = (success: number[], media: StepExpectation['media']): StepExpectation => ({ statuses: [], statusClass: '4xx', media, list: null, assertions: [], orSuccess: { statuses: success } });

function step(name: string, expect: StepExpectation, extra: Partial<AcceptanceStep> = {}): AcceptanceStep {
  return { name, operationId: 'op', request: { method: 'post', path: '/items', pathParams: {}, query: {}, headers: {}, body: null }, expect, capture: [], ...extra };
}
const answer = (status: number, body: unknown = null, captured: Record<string, number> = {}): StepOutcome => ({
  sent: { method: 'POST', path: '/items', body: null },
  response: { status, contentType: 'application/json', body: body === null ? '' : JSON.stringify(body), truncated: false },
  error: null,
  captured,
  durationMs: 1,
});
const notSent: StepOutcome = { sent: null, response: null, error: 'not sent: no id was captured for {itemId} (an earlier step failed)', captured: {}, durationMs: 0 };

function judge(steps: AcceptanceStep[], outcomes: StepOutcome[]) {
  const check: AcceptanceCheck = { id: 'c', operationId: 'op', kind: 'wrong_type', title: 'c', steps, unverifiable: null };
  const [result] = evaluateChecks(suiteOf([check]), [{ id: 'c', steps: outcomes }]);
  if (!result) throw new Error('no result');
  return { status: result.status, problem: result.actual.problem, step: result.actual.step };
}

describe('an unknown id where the spec documents no 404', () => {
  // DELETE /items/{id} documenting only 204 and default: idempotent, so 204 for an id it never had keeps the spec.
  const del = [step('delete an unknown id', refuseOr([204], { '204': { contentType: null, schema: null }, DEFAULT: ITEM_MEDIA }))];

  it('passes on the documented 204 and on any 4xx', () => {
    expect(judge(del, [answer(204)]).status).toBe('passed');
    expect(judge(del, [answer(404, { name: 'x', price: 1 })]).status).toBe('passed');
  });

  it('fails on an undocumented success, naming the broken promise, and on a server error', () => {
    expect(judge(del, [answer(200)])).toMatchObject({ status: 'failed', problem: 'got 200, expected any 4xx or 204: 200 is not a documented status' });
    expect(judge(del, [answer(500)]).problem).toMatch(/^server error 500/);
  });
});

describe('a bad body where the spec documents no refusal', () => {
  const bad = step('send price of the wrong type', refuseOr([201], { '201': ITEM_MEDIA }), { capture: [{ var: 'stored', pointer: '/id' }] });
  const read = step('read the stored item back', { statuses: [200], statusClass: '2xx', media: { '200': ITEM_MEDIA }, list: null, assertions: [] }, { ifStored: true });

  it('passes on any 4xx, without reading anything back', () => {
    expect(judge([bad, read], [answer(400, { message: 'no' }), notSent])).toMatchObject({ status: 'passed', step: 'send price of the wrong type' });
  });

  it('passes on the documented success when the answer and the stored item keep their schema', () => {
    expect(judge([bad, read], [answer(201, { id: 1, name: 'pen', price: 0 }, { stored: 1 }), answer(200, { id: 1, name: 'pen', price: 0 })]).status).toBe('passed');
  });

  it('fails when what the app stored breaks the schema, saying so', () => {
    expect(judge([bad, read], [answer(201, { id: 1, name: 'pen', price: 0 }, { stored: 1 }), answer(200, { id: 1, name: 'pen', price: 'x' })])).toEqual({
      status: 'failed',
      problem: 'the stored item breaks the Item schema: /price must be number',
      step: 'read the stored item back',
    });
  });

  it('fails when its answer breaks the schema, or its status is not documented', () => {
    expect(judge([bad, read], [answer(201, { id: 1, name: 'pen', price: 'x' }, { stored: 1 }), answer(200, {})]).problem).toBe('the app took it with 201, and its answer breaks the Item schema: /price must be number');
    expect(judge([bad, read], [answer(200, { id: 1, name: 'pen', price: 0 }, { stored: 1 }), answer(200, {})]).problem).toBe('got 200, expected any 4xx or 201: 200 is not a documented status');
  });

  it('is unverified, never passed, when the app took it but gave no id to read the stored item back by', () => {
    expect(judge([bad, read], [answer(201, { name: 'pen', price: 0 }), notSent]).status).toBe('unverified');
  });
});
