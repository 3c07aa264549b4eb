import { describe, expect, it } from 'vitest';
import type { AcceptanceCheck, AcceptanceStep, AcceptanceSuite } from '../../proto/index.js';
import { buildReport, evaluateChecks } from './evaluate.js';
import type { CheckOutcome, StepOutcome } from './http-executor.js';

const ITEM = { type: 'object', required: ['name'], properties: { id: { type: 'integer' }, name: { type: 'string' } } };

/** A step of `op` expecting `status` with an Item body; `rootCheck` makes it a setup step. */
function step(name: string, op: string, status: number, extra: Partial<AcceptanceStep> = {}): AcceptanceStep {
  return {
    name,
    operationId: op,
    request: { method: 'post', path: '/items', pathParams: {}, query: {}, headers: {}, body: null },
    expect: { statuses: [status], statusClass: '2xx', media: { [String(status)]: { contentType: 'application/json', schema: 'Item' } }, list: null, assertions: [] },
    capture: [],
    ...extra,
  };
}

const check = (id: string, kind: AcceptanceCheck['kind'], steps: AcceptanceStep[]): AcceptanceCheck => ({ id, operationId: id.split('.')[0] ?? id, kind, title: id, steps, unverifiable: null });
const answer = (status: number, body: unknown, captured: Record<string, number> = {}): StepOutcome => ({
  sent: { method: 'POST', path: '/items', body: null },
  response: { status, contentType: 'application/json', body: JSON.stringify(body), truncated: false },
  error: null,
  captured,
  durationMs: 1,
});
const suiteOf = (checks: AcceptanceCheck[]): AcceptanceSuite => ({ type: 'acceptance.suite', title: 't', checks, schemas: { Item: ITEM }, dialect: 'draft-07' });
const createSetup = (v = 'item1') => step('create item', 'createItem', 201, { capture: [{ var: v, pointer: '/id' }], rootCheck: 'createItem.operation' });
const readItem = step('read it back', 'getItem', 200);

describe('a failed setup step blocks its check on the root cause instead of failing it again', () => {
  const checks = [
    check('createItem.operation', 'operation', [step('call createItem', 'createItem', 201, { capture: [{ var: 'item1', pointer: '/id' }] })]),
    check('createItem.create_read', 'create_read', [createSetup(), readItem]),
    check('getItem.operation', 'operation', [createSetup(), readItem]),
    check('listItems.operation', 'operation', [step('call listItems', 'listItems', 200)]),
  ];

  it('fails the create once, naming the broken promise, blocks its dependants on it, and still finds the other bug', () => {
    const created = answer(200, { id: 1000, name: 'pen' }, { item1: 1000 });
    const outcomes: CheckOutcome[] = [
      { id: 'createItem.operation', steps: [created] },
      { id: 'createItem.create_read', steps: [created, answer(200, { id: 1000, name: 'pen' })] },
      { id: 'getItem.operation', steps: [created, answer(200, { id: 1000, name: 'pen' })] },
      { id: 'listItems.operation', steps: [answer(200, { name: 7 })] },
    ];
    const results = evaluateChecks(suiteOf(checks), outcomes);
    expect(results.map((r) => [r.id, r.status, r.rootCause])).toEqual([
      ['createItem.operation', 'failed', undefined],
      ['createItem.create_read', 'blocked', 'createItem.operation'],
      ['getItem.operation', 'blocked', 'createItem.operation'],
      ['listItems.operation', 'failed', undefined],
    ]);
    expect(results[0]?.actual.problem).toBe('got 200, expected 201: 200 is not a documented status');
    expect(results[1]?.actual.problem).toMatch(/^blocked by createItem\.operation: its step "create item" failed/);
    const report = buildReport(results, 1, null);
    expect([report.passed, report.failed, report.blocked, report.unverified, report.total]).toEqual([0, 2, 2, 0, 4]);
  });

  it('keeps a setup failure its own when the root check passed, or failed with another answer', () => {
    const outcomes: CheckOutcome[] = [
      { id: 'createItem.operation', steps: [answer(201, { id: 1, name: 'pen' }, { item1: 1 })] },
      { id: 'createItem.create_read', steps: [answer(500, { message: 'boom' })] },
      { id: 'getItem.operation', steps: [answer(500, { message: 'boom' })] },
      { id: 'listItems.operation', steps: [answer(200, { name: 'x' })] },
    ];
    expect(evaluateChecks(suiteOf(checks), outcomes).map((r) => r.status)).toEqual(['passed', 'failed', 'failed', 'passed']);

    const rootRefused: CheckOutcome[] = [{ id: 'createItem.operation', steps: [answer(400, { message: 'no' })] }, ...outcomes.slice(1)];
    const results = evaluateChecks(suiteOf(checks), rootRefused);
    expect(results.map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'passed']);
    expect(results[1]?.actual.problem).toMatch(/^server error 500/);
  });

  it('holds a setup step only to what the check needs: a documented status and the id', () => {
    // The answer breaks the Item schema (createItem.operation reports that); the read after it is still judged.
    const broken = answer(201, { id: 1, name: 3 }, { item1: 1 });
    const results = evaluateChecks(suiteOf(checks.slice(0, 2)), [
      { id: 'createItem.operation', steps: [broken] },
      { id: 'createItem.create_read', steps: [broken, answer(200, { id: 1, name: 'pen' })] },
    ]);
    expect(results.map((r) => r.status)).toEqual(['failed', 'passed']);

    const noId = answer(201, { name: 'pen' });
    const missing = evaluateChecks(suiteOf(checks.slice(0, 2)), [
      { id: 'createItem.operation', steps: [noId] },
      { id: 'createItem.create_read', steps: [noId] },
    ]);
    expect(missing.map((r) => [r.status, r.rootCause])).toEqual([
      ['failed', undefined],
      ['blocked', 'createItem.operation'],
    ]);
  });

  it('resolves chains to the first failure: an item create blocked on its shelf blocks on the shelf too', () => {
    const shelf = step('create shelf', 'createShelf', 201, { capture: [{ var: 'shelf1', pointer: '/id' }], rootCheck: 'createShelf.operation' });
    const chain = [
      check('createShelf.operation', 'operation', [step('call createShelf', 'createShelf', 201, { capture: [{ var: 'shelf1', pointer: '/id' }] })]),
      check('createItem.operation', 'operation', [shelf, step('call createItem', 'createItem', 201)]),
      check('createItem.create_read', 'create_read', [createSetup('item2'), readItem]),
    ];
    const results = evaluateChecks(suiteOf(chain), [
      { id: 'createShelf.operation', steps: [answer(500, {})] },
      { id: 'createItem.operation', steps: [answer(500, {})] },
      { id: 'createItem.create_read', steps: [answer(500, {})] },
    ]);
    expect(results.map((r) => [r.status, r.rootCause])).toEqual([
      ['failed', undefined],
      ['blocked', 'createShelf.operation'],
      ['blocked', 'createShelf.operation'],
    ]);
  });
});
