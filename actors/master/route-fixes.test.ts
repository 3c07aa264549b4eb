import { describe, expect, it } from 'vitest';
import type { AcceptanceCheckResult } from '../../proto/index.js';
import { makeTask } from '../../machines/task.fixture.js';
import { buildReport } from '../acceptance/evaluate.js';
import { routeFixes } from './accept-job.js';
import { failuresOf } from './acceptance-problems.js';

const result = (id: string, operationId: string, status: AcceptanceCheckResult['status'], rootCause?: string): AcceptanceCheckResult => ({
  id,
  operationId,
  kind: 'operation',
  title: id,
  status,
  ...(rootCause ? { rootCause } : {}),
  request: { method: 'POST', path: '/books' },
  expected: { status: '201', contentType: null, schema: null, detail: 'd' },
  actual: { step: 'create book', status: 200, contentType: null, bodyExcerpt: '', schemaErrors: [], problem: rootCause ? `blocked by ${rootCause}` : 'got 200, expected 201: 200 is not a documented status' },
});

describe('routing a round with blocked checks to fix tasks', () => {
  const tasks = [
    makeTask('books', { validationRules: [{ kind: 'http', operationIds: ['createBook'] }] }),
    makeTask('reads', { validationRules: [{ kind: 'http', operationIds: ['getBook'] }] }),
  ];
  const report = buildReport(
    [result('createBook.operation', 'createBook', 'failed'), result('createBook.create_read', 'createBook', 'blocked', 'createBook.operation'), result('getBook.operation', 'getBook', 'blocked', 'createBook.operation')],
    1,
    null,
  );

  it("sends the root cause's fix once, to its owner, naming what it blocks; a blocked check's owner gets no task", () => {
    const fixes = routeFixes({ tasks }, report, null);
    expect(fixes.map((f) => [f.ownerTaskId, f.problems.length])).toEqual([['books', 1]]);
    expect(fixes[0]?.problems[0]).toContain('acceptance check createBook.operation (operation: createBook.operation) failed: got 200, expected 201: 200 is not a documented status');
    expect(fixes[0]?.problems[0]).toContain('it also blocks 2 other check(s), whose setup needs this call to work: createBook.create_read, getBook.operation');
  });

  it('counts blocked checks apart, and lists them after the failures with their root cause', () => {
    expect([report.passed, report.failed, report.blocked, report.total]).toEqual([0, 1, 2, 3]);
    expect(failuresOf(report.checks).map((f) => [f.id, f.status, f.rootCause])).toEqual([
      ['createBook.operation', 'failed', undefined],
      ['createBook.create_read', 'blocked', 'createBook.operation'],
      ['getBook.operation', 'blocked', 'createBook.operation'],
    ]);
  });
});
