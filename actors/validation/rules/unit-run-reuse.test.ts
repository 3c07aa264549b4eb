import { describe, expect, it } from 'vitest';
import { unitRunCovers, unitRunWas, type UnitRun } from './unit-run-reuse.js';

const TAP = ['TAP version 13', '# Subtest: adds', 'ok 1 - adds', '# Subtest: /workspace/test/empty.test.js', 'ok 2 - /workspace/test/empty.test.js', '1..2', '# pass 2', '# fail 0'].join('\n');
const run = (argv: string[], passed = true, output = TAP): UnitRun => ({ argv, passed, output });

describe('a tests_pass rule answered by the unit_tests run', () => {
  it('is answered when node --test ran every matched file, passed, and each declares tests', () => {
    expect(unitRunCovers(run(['node', '--test']), ['test/add.test.js'], '/host/ws')).toBe(true);
    expect(unitRunCovers(run(['node', '--test', '--experimental-test-coverage', 'test/add.test.js', 'test/b.test.js']), ['test/add.test.js'], '/host/ws')).toBe(true);
    expect(unitRunCovers(run(['node', '--test']), ['src/add.test.mjs', 'lib/test.cjs', 'a/test-x.js', 'b/x_test.js', 'c/x-test.js'], '/w')).toBe(true);
  });

  it('is not answered by a run that failed, or by a run of something else', () => {
    expect(unitRunCovers(run(['node', '--test'], false), ['test/add.test.js'], '/w')).toBe(false);
    expect(unitRunCovers(undefined, ['test/add.test.js'], '/w')).toBe(false);
    expect(unitRunCovers(run(['npm', 'run', '--silent', 'test']), ['test/add.test.js'], '/w')).toBe(false);
    expect(unitRunCovers(run(['node', 'test/add.test.js']), ['test/add.test.js'], '/w')).toBe(false);
    expect(unitRunCovers(run(['node', '--test']), [], '/w')).toBe(false);
  });

  it('is not answered when the run may not have run a matched file, or printed another format', () => {
    expect(unitRunCovers(run(['node', '--test', 'test/other.test.js']), ['test/add.test.js'], '/w')).toBe(false);
    expect(unitRunCovers(run(['node', '--test', 'test/']), ['test/add.test.js'], '/w')).toBe(false);
    expect(unitRunCovers(run(['node', '--test']), ['src/add.spec.js'], '/w')).toBe(false);
    expect(unitRunCovers(run(['node', '--test']), ['node_modules/x/test/a.js'], '/w')).toBe(false);
    expect(unitRunCovers(run(['node', '--test', '--test-reporter=spec']), ['test/add.test.js'], '/w')).toBe(false);
    expect(unitRunCovers(run(['node', '--test', '--test-name-pattern=adds']), ['test/add.test.js'], '/w')).toBe(false);
  });

  it('is not answered for a file node:test lists by name: it declares no tests', () => {
    expect(unitRunCovers(run(['node', '--test']), ['test/add.test.js', 'test/empty.test.js'], '/w')).toBe(false);
    const onHost = TAP.replace('/workspace/test/empty.test.js', '/host/ws/test/empty.test.js');
    expect(unitRunCovers(run(['node', '--test'], true, onHost), ['test/empty.test.js'], '/host/ws/')).toBe(false);
  });
});

describe('a tests_pass rule whose command the unit_tests stage already ran', () => {
  const npmTest = ['npm', 'run', '--silent', 'test'];
  it('is that run when the argv is the same, word for word, and it passed', () => {
    expect(unitRunWas(run(npmTest), npmTest)).toBe(true);
  });

  it('is not when the run failed, ran another script or other arguments, or did not run', () => {
    expect(unitRunWas(run(npmTest, false), npmTest)).toBe(false);
    expect(unitRunWas(run(['npm', 'run', '--silent', 'test:unit']), npmTest)).toBe(false);
    expect(unitRunWas(run([...npmTest, '--', 'x']), npmTest)).toBe(false);
    expect(unitRunWas(run(npmTest.slice(0, 3)), npmTest)).toBe(false);
    expect(unitRunWas(undefined, npmTest)).toBe(false);
  });
});
