import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AcceptanceCheck } from '../../proto/index.js';
import { deriveSuiteFromText } from './derive-checks.js';

/** The stock fixture's spec: the create documents 201 and default only, the delete 204 and default only. */
const SPEC = readFileSync(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'acceptance', 'stock', 'openapi.yaml'), 'utf8');

const byId = (checks: AcceptanceCheck[], id: string) => {
  const check = checks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}; have ${checks.map((c) => c.id).join(', ')}`);
  return check;
};

describe('expectations come from the documented responses', () => {
  it('expects the documented 404 for an unknown id, and where none is documented any 4xx or the documented 204', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    expect(byId(suite.checks, 'getItem.unknown_id').steps[0]?.expect).toMatchObject({ statuses: [404], statusClass: '4xx' });
    expect(byId(suite.checks, 'getItem.unknown_id').steps[0]?.expect.orSuccess).toBeUndefined();
    expect(byId(suite.checks, 'deleteItem.unknown_id').steps[0]?.expect).toMatchObject({ statuses: [], statusClass: '4xx', orSuccess: { statuses: [204] } });
  });

  it('where a create documents no 4xx, a bad body may be taken, and what was stored is read back', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    const check = byId(suite.checks, 'createItem.wrong_type.price');
    expect(check.steps.map((s) => [s.operationId, s.ifStored ?? false])).toEqual([
      ['createItem', false],
      ['getItem', true],
    ]);
    const [bad, read] = check.steps;
    expect(bad?.expect).toMatchObject({ statuses: [], statusClass: '4xx', orSuccess: { statuses: [201] } });
    expect(bad?.capture).toEqual([{ var: 'stored', pointer: '/id' }]);
    expect(read?.request.pathParams).toEqual({ itemId: { var: 'stored' } });
    expect(read?.expect.media['200']?.schema).toBe('Item (response)');
  });

  it('where an update documents no body 4xx, the item it was sent to is read back after it', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    const check = byId(suite.checks, 'replaceItem.missing_required.name');
    expect(check.steps.map((s) => [s.operationId, s.rootCheck ?? null, s.ifStored ?? false])).toEqual([
      ['createItem', 'createItem.operation', false],
      ['replaceItem', null, false],
      ['getItem', null, true],
    ]);
    expect(check.steps[1]?.expect.orSuccess).toEqual({ statuses: [200] });
  });
});
