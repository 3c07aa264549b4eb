import { describe, expect, it } from 'vitest';
import { JobEvent } from '../proto/index.js';
import { renderRequirements } from './render-requirements.js';
import { renderTree } from './render.js';
import { createWatchStore, initialWatchState } from './watch-store.js';

const requirements = [
  { id: 'r1', text: 'Build it in TypeScript on Node.js.', verdict: 'failed' as const, checks: ['stack.language.typescript'], reason: 'no TypeScript source files: the 2 source file(s) are 2 .js' },
  { id: 'r2', text: 'Store it in PostgreSQL.', verdict: 'not_checkable' as const, checks: ['stack.database.postgresql'], reason: 'no PostgreSQL server runs in the sandbox' },
  { id: 'r3', text: 'POST /lists: Create a list', verdict: 'passed' as const, checks: ['createList.operation'], reason: '1 acceptance check(s) passed' },
];

describe('requirements in status and watch', () => {
  it('prints each requirement with its verdict and reason, the counts first', () => {
    expect(renderRequirements(requirements)).toEqual([
      'requirements: 1 passed, 1 failed, 1 not checkable',
      '  FAIL          r1   Build it in TypeScript on Node.js.',
      '                     no TypeScript source files: the 2 source file(s) are 2 .js',
      '  NOT CHECKABLE r2   Store it in PostgreSQL.',
      '                     no PostgreSQL server runs in the sandbox',
      '  PASS          r3   POST /lists: Create a list',
      '                     1 acceptance check(s) passed',
    ]);
    expect(renderRequirements([])).toEqual([]);
  });

  it('shows the counts of the job.requirements event in the watch tree', () => {
    const store = createWatchStore(initialWatchState('job-1'));
    store.send(JobEvent.parse({ type: 'job.requirements', jobId: 'job-1', at: '2026-01-01T00:00:00.000Z', round: 1, requirements }));
    expect(renderTree(store.getSnapshot().context)).toContain('requirements: 1 passed, 1 failed, 1 not checkable');
  });
});
