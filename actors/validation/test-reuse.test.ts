import { describe, expect, it } from 'vitest';
import type { StageResult } from '../../proto/index.js';
import { memoOf, reusableTests, reusedStage, treeDifference, type TestRunMemo } from './test-reuse.js';

const stage = (name: StageResult['stage'], status: StageResult['status']): StageResult => ({
  stage: name,
  status,
  durationMs: 900,
  summary: `${name} ${status}`,
  reason: null,
  failures: status === 'failed' ? [{ stage: name, file: null, line: null, message: 'boom', logExcerpt: '' }] : [],
  warnings: [],
  metrics: { runMs: 900 },
});

const before = new Map([
  ['package.json', '100644:a1'],
  ['src/app.js', '100644:b1'],
  ['test/app.test.js', '100644:c1'],
]);
const sources = [
  { path: 'src/app.js', content: "export const app = () => 'ok';\n" },
  { path: 'test/app.test.js', content: "import { readFileSync } from 'node:fs';\nreadFileSync('openapi.yaml');\n" },
  { path: 'package.json', content: '{"scripts":{"test":"node --test"}}' },
];
const memo: TestRunMemo = {
  commit: 'c0ffee0000000000000000000000000000000000',
  backend: 'bubblewrap',
  files: before,
  stages: new Map([
    ['unit_tests', stage('unit_tests', 'passed')],
    ['coverage', stage('coverage', 'passed')],
  ]),
};
const withFiles = (changes: Record<string, string | null>) => {
  const after = new Map(before);
  for (const [path, oid] of Object.entries(changes)) {
    if (oid === null) after.delete(path);
    else after.set(path, oid);
  }
  return after;
};

describe('reusing a passing test run for a tree that differs only in prose and config', () => {
  it('lists added, changed and removed paths', () => {
    expect(treeDifference(before, withFiles({ 'README.md': 'x', 'src/app.js': 'b2', 'test/app.test.js': null }))).toEqual(['README.md', 'src/app.js', 'test/app.test.js']);
  });

  it('reuses the run when only docs, Dockerfiles and CI config changed, saying so', () => {
    const reused = reusableTests(memo, withFiles({ 'README.md': 'r', Dockerfile: 'd', '.github/workflows/ci.yml': 'y', '.env.example': 'e' }), sources);
    expect(reused?.from).toBe(memo.commit);
    expect(reused?.why).toContain('.env.example');
    const result = reusedStage(stage('unit_tests', 'passed'), reused!, Date.now());
    expect(result).toMatchObject({ status: 'passed', metrics: { reused: 1, runMs: 900 } });
    expect(result.summary).toMatch(/^not run again, same result as on c0ffee0000 \(only .* changed, which no script or package.json names\): unit_tests passed$/);
    expect(result.durationMs).toBeLessThan(900);
  });

  it('reuses the run for the very tree it ran on', () => {
    expect(reusableTests(memo, new Map(before), sources)?.why).toBe('the tree is the one those tests ran on');
  });

  it('runs the tests again when code, a manifest, a test fixture or a lockfile changed', () => {
    expect(reusableTests(memo, withFiles({ 'src/app.js': 'b2' }), sources)).toBeNull();
    expect(reusableTests(memo, withFiles({ 'src/new.mjs': 'n' }), sources)).toBeNull();
    expect(reusableTests(memo, withFiles({ 'package.json': 'a2' }), sources)).toBeNull();
    expect(reusableTests(memo, withFiles({ 'package-lock.json': 'l' }), sources)).toBeNull();
    expect(reusableTests(memo, withFiles({ 'test/fixtures/notes.md': 'f' }), sources)).toBeNull();
    expect(reusableTests(memo, withFiles({ '.env': 'secret' }), sources)).toBeNull();
    expect(reusableTests(memo, withFiles({ 'README.md': 'r', 'src/app.js': 'b2' }), sources)).toBeNull();
  });

  it('runs the tests again when a script names the changed file', () => {
    expect(reusableTests(memo, withFiles({ 'openapi.yaml': 'o' }), sources)).toBeNull();
    expect(reusableTests(memo, withFiles({ 'docs/openapi.yaml': 'o' }), sources)).toBeNull();
  });

  it('lets data name the file (a spec naming README.md), but not package.json', () => {
    const spec = { path: 'spec/blueprint.json', content: '{"docs":"README.md names every path"}' };
    expect(reusableTests(memo, withFiles({ 'README.md': 'r' }), [...sources, spec])).not.toBeNull();
    const manifest = { path: 'package.json', content: '{"scripts":{"test":"node --test && grep -q Usage README.md"}}' };
    expect(reusableTests(memo, withFiles({ 'README.md': 'r' }), [...sources.filter((f) => f.path !== 'package.json'), manifest])).toBeNull();
  });

  it('has nothing to reuse without a memo, or from a memo with no test stages', () => {
    expect(reusableTests(null, withFiles({ 'README.md': 'r' }), sources)).toBeNull();
    expect(reusableTests({ ...memo, stages: new Map() }, withFiles({ 'README.md': 'r' }), sources)).toBeNull();
  });

  it('keeps a memo only of a run whose unit tests passed and whose test stages did not fail', () => {
    const others = [stage('syntax', 'failed'), stage('security', 'passed')];
    expect(memoOf(memo.commit, 'bubblewrap', before, [...others, stage('unit_tests', 'passed'), stage('integration_tests', 'unverified')])?.stages.size).toBe(2);
    expect(memoOf(memo.commit, 'bubblewrap', before, [...others, stage('unit_tests', 'failed')])).toBeNull();
    expect(memoOf(memo.commit, 'bubblewrap', before, [...others, stage('unit_tests', 'unverified')])).toBeNull();
    expect(memoOf(memo.commit, 'bubblewrap', before, [...others, stage('unit_tests', 'passed'), stage('coverage', 'failed')])).toBeNull();
    expect(memoOf(memo.commit, 'bubblewrap', before, others)).toBeNull();
  });
});
