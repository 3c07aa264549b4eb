import { describe, expect, it } from 'vitest';
import { declaredTests, testCommandFor } from './tests-rule.js';

const manifest = (scripts: Record<string, string>) => ({ path: 'package.json', content: JSON.stringify({ scripts }) });

describe('the tests_pass rule, pure parts', () => {
  it('counts declared tests, not files node:test stands in for', () => {
    const tap = 'TAP version 13\n# Subtest: /workspace/test/a.test.mjs\nok 1 - /workspace/test/a.test.mjs\n  ---\n  ...\n1..1\n# pass 1\n';
    expect(declaredTests(tap, ['test/a.test.mjs'], '/host/ws')).toBe(0);
    expect(declaredTests('ok 1 - adds\nnot ok 2 - subtracts\nok 3 - /host/ws/test/b.test.mjs\n', ['test/b.test.mjs'], '/host/ws/')).toBe(2);
    // Subtests are indented: only top-level results count.
    expect(declaredTests('# Subtest: outer\n    ok 1 - inner\nok 1 - outer\n', ['t.test.mjs'], '/h')).toBe(1);
  });

  it('runs exactly the matching JavaScript files under node:test unless the project names another runner', () => {
    expect(testCommandFor('/nowhere', [], ['test/a.test.mjs'])).toEqual({ kind: 'run', argv: ['node', '--test', 'test/a.test.mjs'], tap: true, coverage: false });
    expect(testCommandFor('/nowhere', [manifest({ test: 'node --test test/' })], ['test/a.test.js'])).toMatchObject({ argv: ['node', '--test', 'test/a.test.js'] });
    // npm runs the project's own script; vitest is not installed here, so it is unverifiable, not run loosely.
    expect(testCommandFor('/nowhere', [manifest({ test: 'vitest run' })], ['test/a.test.ts'])).toMatchObject({ kind: 'skip', reason: expect.stringContaining('needs vitest') });
    expect(testCommandFor('/nowhere', [], ['test/a.test.ts'])).toMatchObject({ kind: 'skip', reason: expect.stringContaining('no test script') });
    expect(testCommandFor('/nowhere', [manifest({ test: 'npm run unit' })], ['test/a.test.ts'])).toMatchObject({ kind: 'run', argv: ['npm', 'run', '--silent', 'test'] });
  });
});
