import { describe, expect, it } from 'vitest';
import { AcceptanceSummary, isAccepted } from '../proto/index.js';
import { acceptanceError } from './acceptance-updates.js';

const summary = (overrides: Partial<AcceptanceSummary>): AcceptanceSummary => ({
  round: 2, passed: 10, failed: 0, unverified: 0, total: 10, projectTests: null, failures: [], commit: 'c'.repeat(40), durationMs: 5, ...overrides,
});

describe('a round with blocked checks', () => {
  const blocked = summary({
    passed: 7, failed: 1, blocked: 2,
    failures: [
      { id: 'createBook.operation', operationId: 'createBook', kind: 'operation', title: 't', status: 'failed', problem: 'got 200, expected 201: 200 is not a documented status' },
      { id: 'getBook.operation', operationId: 'getBook', kind: 'operation', title: 't', status: 'blocked', rootCause: 'createBook.operation', problem: 'blocked by createBook.operation' },
    ],
  });

  it('is never accepted, even were every other count to read as passed', () => {
    expect(isAccepted(blocked)).toBe(false);
    expect(isAccepted(summary({ passed: 10, blocked: 1 }))).toBe(false);
    expect(isAccepted(summary({}))).toBe(true);
  });

  it('fails the job naming the failure, with the blocked checks counted apart', () => {
    expect(acceptanceError(blocked, 2).message).toBe('1 of 10 acceptance checks failed after 2 round(s) (2 more blocked by them): createBook.operation: got 200, expected 201: 200 is not a documented status');
  });

  it('reads a round recorded before blocking existed', () => {
    const old = AcceptanceSummary.parse({ round: 1, passed: 1, failed: 0, unverified: 0, total: 1, projectTests: null, failures: [], commit: 'c', durationMs: 1 });
    expect(isAccepted(old)).toBe(true);
  });
});
