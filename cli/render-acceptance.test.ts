import { describe, expect, it } from 'vitest';
import { JobView, type AcceptanceFailure } from '../proto/index.js';
import { renderJobView } from './render.js';

const failure = (i: number, status: 'failed' | 'unverified', rootCause?: string): AcceptanceFailure => ({
  id: `createBook.check${i}`,
  operationId: 'createBook',
  kind: 'operation',
  title: 'create a book',
  status: rootCause ? 'blocked' : status,
  ...(rootCause ? { rootCause } : {}),
  problem: rootCause ? `blocked by ${rootCause}` : status === 'failed' ? 'got 200, expected 201' : 'not run: the app did not start',
});

/** A view as `status --json` carries it, parsed through the wire schema. */
function view(failures: AcceptanceFailure[], counts: { passed: number; failed: number; blocked?: number; unverified: number }): JobView {
  return JobView.parse({
    jobId: 'j1', status: 'failed', repo: '/r', prompt: 'p', createdAt: '2026-01-01T00:00:00.000Z', tasks: [],
    error: { code: 'acceptance_failed', message: '2 of 90 acceptance checks failed after 3 round(s)' },
    acceptance: {
      round: 3, ...counts, total: counts.passed + counts.failed + (counts.blocked ?? 0) + counts.unverified,
      projectTests: { status: 'failed', summary: 'unit_tests: npm run --silent test: 3 passed, 1 failed' },
      failures, commit: 'abcdef0123456789abcdef0123456789abcdef01', durationMs: 900,
    },
  });
}

describe('the acceptance table under a job', () => {
  it('shows the counts with unverified apart, the project tests, then the failures', () => {
    const lines = renderJobView(view([failure(1, 'failed'), failure(2, 'unverified')], { passed: 88, failed: 1, unverified: 1 }));
    expect(lines.slice(2)).toEqual([
      'acceptance, round 3 on abcdef012345: 88 passed, 1 failed, 1 unverified of 90 checks',
      '  project tests: failed: unit_tests: npm run --silent test: 3 passed, 1 failed',
      '  FAIL       operation        createBook.check1  got 200, expected 201',
      '  UNVERIFIED operation        createBook.check2  not run: the app did not start',
      'error: acceptance_failed: 2 of 90 acceptance checks failed after 3 round(s)',
    ]);
  });

  it('groups blocked checks under the failure that blocked them: one bug, one row', () => {
    const failures = [failure(1, 'failed'), failure(2, 'failed', 'createBook.check1'), failure(3, 'failed', 'createBook.check1'), failure(4, 'unverified')];
    const lines = renderJobView(view(failures, { passed: 86, failed: 1, blocked: 2, unverified: 1 }));
    expect(lines.slice(2, 7)).toEqual([
      'acceptance, round 3 on abcdef012345: 86 passed, 1 failed, 2 blocked, 1 unverified of 90 checks',
      '  project tests: failed: unit_tests: npm run --silent test: 3 passed, 1 failed',
      '  FAIL       operation        createBook.check1  got 200, expected 201',
      '             blocks 2: createBook.check2, createBook.check3',
      '  UNVERIFIED operation        createBook.check4  not run: the app did not start',
    ]);
    expect(lines.some((l) => l.includes('more not shown'))).toBe(false);
  });

  it('shows ten failures and says how many more there are and where', () => {
    const failures = Array.from({ length: 14 }, (_, i) => failure(i, 'failed'));
    const lines = renderJobView(view(failures, { passed: 60, failed: 30, unverified: 0 }));
    expect(lines.filter((l) => l.startsWith('  FAIL'))).toHaveLength(10);
    expect(lines).toContain('  … 20 more not shown (jobs/<id>/acceptance/round-3.json has every check)');
  });

  it('neutralises terminal control sequences in what the app answered', () => {
    const hostile = { ...failure(1, 'failed'), problem: 'body \u001b[2Jcleared' };
    const lines = renderJobView(view([hostile], { passed: 1, failed: 1, unverified: 0 }));
    expect(lines.join('\n')).not.toContain('\u001b');
  });
});
