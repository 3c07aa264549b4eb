import { describe, expect, it } from 'vitest';
import { planTests } from './test-plan.js';
import type { WorkspaceFile } from './workspace-files.js';

const manifest = (scripts: Record<string, string>, ...tests: string[]): WorkspaceFile[] => [
  { path: 'package.json', content: JSON.stringify({ scripts }) },
  ...tests.map((path) => ({ path, content: '' })),
];
const coverageReason = (files: WorkspaceFile[]) => {
  const { coverage } = planTests('/nowhere', files);
  return coverage?.kind === 'skip' ? coverage.reason : null;
};

describe('why no coverage is measured', () => {
  it('says tests run under node --test without the coverage flag are node:test, and names the flag to add', () => {
    const reason = coverageReason(manifest({ test: 'node --test' }, 'test/a.test.js'));
    expect(reason).toContain('the unit tests run under node:test without --experimental-test-coverage');
    expect(reason).toContain('add that flag to the test script or add a "test:coverage" script');
    expect(reason).not.toContain('do not run under node:test');
    // Found by autodev itself rather than named by a script: still node:test, and then coverage is measured.
    expect(planTests('/nowhere', manifest({}, 'test/a.test.js')).coverage).toBeNull();
  });

  it('names another runner as what it is, and unit tests that did not run as not run', () => {
    expect(coverageReason(manifest({ test: 'npm run check' }))).toMatch(/^no coverage measurement: the unit tests run with "npm run --silent test", whose coverage autodev cannot read/);
    expect(coverageReason(manifest({}))).toBe('no coverage measurement: the unit tests did not run (the project has no unit tests) and there is no coverage script');
  });
});
