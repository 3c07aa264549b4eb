import { describe, expect, it } from 'vitest';
import { firstProjectLocation, parseCoverage, parseTapFailures, projectPath } from './test-output.js';

/** node:test's TAP as Node 20 prints it when not on a terminal, for a sandbox run (paths under /workspace). */
const TAP = `TAP version 13
# Subtest: adds
not ok 1 - adds
  ---
  duration_ms: 5.4
  location: '/workspace/test/a.test.mjs:3:1'
  failureType: 'testCodeFailure'
  error: |-
    Expected values to be strictly equal:
    
    3 !== 4
    
  code: 'ERR_ASSERTION'
  name: 'AssertionError'
  stack: |-
    TestContext.<anonymous> (file:///workspace/test/a.test.mjs:4:10)
    Test.runInAsyncScope (node:async_hooks:206:9)
  ...
# Subtest: suite
    not ok 1 - inner
      ---
      location: '/workspace/test/b.test.mjs:2:3'
      failureType: 'testCodeFailure'
      error: 'boom'
      code: 'ERR_TEST_FAILURE'
      stack: |-
        file:///workspace/src/b.mjs:7:9
      ...
not ok 2 - suite
  ---
  failureType: 'subtestsFailed'
  error: '1 subtest failed'
  ...
# pass 0
# fail 2
# all files       |  80.00 |   50.00 |   75.00 |
`;

describe('test output parsing', () => {
  const known = new Set(['test/a.test.mjs', 'test/b.test.mjs', 'src/b.mjs']);

  it('maps sandbox and host paths to project paths', () => {
    expect(projectPath('/workspace/src/x.ts', '/tmp/ws')).toBe('src/x.ts');
    expect(projectPath('file:///tmp/ws/src/x.ts', '/tmp/ws/')).toBe('src/x.ts');
    expect(firstProjectLocation('at foo (/usr/lib/node.js:1:1)\n at /workspace/src/b.mjs:7:9', '/tmp/ws', known)).toEqual({ file: 'src/b.mjs', line: 7 });
  });

  it('gives one failure per failing test, at the assertion, and none for a parent failing through its subtests', () => {
    const failures = parseTapFailures('unit_tests', TAP, '/tmp/ws', known);
    expect(failures.map((f) => [f.file, f.line, f.message])).toEqual([
      ['test/a.test.mjs', 4, 'test "adds" failed: Expected values to be strictly equal: 3 !== 4'],
      ['src/b.mjs', 7, `test "inner" failed: 'boom'`],
    ]);
    expect(failures[0]?.logExcerpt).toContain('not ok 1 - adds');
  });

  it('reads node:test and istanbul coverage tables', () => {
    expect(parseCoverage(TAP)).toEqual({ lines: 80, branches: 50, functions: 75 });
    expect(parseCoverage('All files |   91.5 |    80 |   100 |   92.1 |\n')).toEqual({ statements: 91.5, branches: 80, functions: 100, lines: 92.1 });
    expect(parseCoverage('no table')).toBeNull();
  });
});
