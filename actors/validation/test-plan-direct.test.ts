import { describe, expect, it } from 'vitest';
import { planTests } from './test-plan.js';
import type { WorkspaceFile } from './workspace-files.js';

// How the test plan uses sandbox-app/direct-script.ts; that rule's own cases are in direct-script.test.ts.
describe('planTests with a plain node test script', () => {
  const manifest = (scripts: Record<string, string>): WorkspaceFile[] => [{ path: 'package.json', content: JSON.stringify({ scripts }) }];

  it('runs the script as node itself, keeping what its output is', () => {
    expect(planTests('/nowhere', manifest({ test: 'node --test' })).unit).toEqual({ kind: 'run', argv: ['node', '--test'], tap: true, coverage: false });
    expect(planTests('/nowhere', manifest({ test: 'node --test --experimental-test-coverage' }))).toMatchObject({
      unit: { argv: ['node', '--test', '--experimental-test-coverage'], tap: true, coverage: true },
      coverage: null,
    });
  });

  it('goes through npm when npm would run more than node', () => {
    expect(planTests('/nowhere', manifest({ test: 'node --test && echo hi' })).unit).toEqual({ kind: 'run', argv: ['npm', 'run', '--silent', 'test'], tap: true, coverage: false });
    expect(planTests('/nowhere', manifest({ test: 'node --test', pretest: 'node build.js' })).unit).toMatchObject({ argv: ['npm', 'run', '--silent', 'test'] });
  });
});
