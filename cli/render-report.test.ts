import { describe, expect, it } from 'vitest';
import type { AcceptanceCheckResult } from '../proto/index.js';
import { renderReport } from './render-report.js';

const result = (id: string, status: AcceptanceCheckResult['status'], problem: string | null, rootCause?: string): AcceptanceCheckResult => ({
  id,
  operationId: id.split('.')[0] ?? id,
  kind: 'operation',
  title: `${id} as documented`,
  status,
  ...(rootCause ? { rootCause } : {}),
  request: { method: 'POST', path: '/items', body: { name: 'pen' } },
  expected: { status: '201', contentType: 'application/json', schema: 'Item', detail: 'call createItem: the documented success status' },
  actual: { step: 'call createItem', status: 200, contentType: 'application/json', bodyExcerpt: '{"id":1}', schemaErrors: [], problem },
});

describe("autodev accept's table", () => {
  it('marks blocked checks with their root cause, and lists what each failure blocks with it', () => {
    const checks = [
      result('createItem.operation', 'failed', 'got 200, expected 201: 200 is not a documented status'),
      result('getItem.operation', 'blocked', 'blocked by createItem.operation: …', 'createItem.operation'),
      result('createItem.create_read', 'blocked', 'blocked by createItem.operation: …', 'createItem.operation'),
      result('listItems.operation', 'passed', null),
    ];
    const lines = renderReport({ type: 'acceptance.report', passed: 1, failed: 1, blocked: 2, unverified: 0, total: 4, durationMs: 1200, app: null, checks });
    expect(lines).toContain('BLKD  operation        getItem.operation      blocked by createItem.operation');
    expect(lines).toContain('FAIL  operation        createItem.operation   got 200, expected 201: 200 is not a documented status');
    expect(lines).toContain('  blocks:   2 check(s) that need it: getItem.operation, createItem.create_read');
    // Blocked checks get no details of their own: fixing the root cause is what they need.
    expect(lines.filter((l) => l.endsWith('as documented'))).toEqual(['createItem.operation: createItem.operation as documented']);
    expect(lines.at(-1)).toBe('1 passed, 1 failed, 2 blocked, 0 unverified of 4 checks (1.2 s)');
  });
});
