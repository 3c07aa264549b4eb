import { posix } from 'node:path';
import type { StageResult, ValidationStageName } from '../../proto/index.js';
import type { SandboxBackendName } from '../sandbox/sandbox.js';
import { isScript, isTestFile, type WorkspaceFile } from './workspace-files.js';

/** The stages whose result is the project's test run: the ones worth reusing (a second each), and the only ones that run its code. */
export const TEST_STAGES: ReadonlySet<ValidationStageName> = new Set(['unit_tests', 'integration_tests', 'coverage']);

/** The test stages of one validated tree, all passed, with the tree they ran on (path → blob id). */
export interface TestRunMemo {
  commit: string;
  /** The sandbox backend the tests ran in: a result from another backend is not reused. */
  backend: SandboxBackendName;
  files: ReadonlyMap<string, string>;
  stages: ReadonlyMap<ValidationStageName, StageResult>;
}

/** What the pipeline records instead of running the tests again, and why that is the same result. */
export interface ReusedTests {
  from: string;
  why: string;
  stages: ReadonlyMap<ValidationStageName, StageResult>;
}

/**
 * Files no program reads by accident: prose, container and CI config,
 * images. A docs or devops attempt writes only these, and running the
 * project's tests again for it costs a second to learn nothing new.
 */
const INERT_EXTENSION = /\.(md|markdown|txt|rst|adoc|ya?ml|png|jpe?g|gif|svg|ico|webp)$/i;
const INERT_NAME = new Set(['Dockerfile', '.dockerignore', '.gitignore', '.gitattributes', '.editorconfig', 'LICENSE', 'LICENCE', '.env.example']);

function isInertPath(path: string): boolean {
  const name = posix.basename(path);
  return (INERT_EXTENSION.test(name) || INERT_NAME.has(name) || /\.dockerfile$/i.test(name)) && !isTestFile(path);
}

/** Paths whose blob differs between two trees, added and removed ones included. */
export function treeDifference(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const changed = new Set<string>();
  for (const [path, oid] of after) if (before.get(path) !== oid) changed.add(path);
  for (const path of before.keys()) if (!after.has(path)) changed.add(path);
  return [...changed].sort();
}

/**
 * Whether an earlier passing test run is the result this tree would get:
 * every file that differs is inert (above), outside the test folders, and
 * named by no script or package.json of the new tree, so no test, app code
 * or npm script reads it by name. Data files (a spec's JSON) may name it:
 * data does not run. A test could still find a file by listing a folder;
 * the job's acceptance phase runs every project test again on the final
 * main, so a reused result never decides the job.
 */
export function reusableTests(memo: TestRunMemo | null, files: ReadonlyMap<string, string>, sources: readonly WorkspaceFile[]): ReusedTests | null {
  if (!memo || memo.stages.size === 0) return null;
  const changed = treeDifference(memo.files, files);
  if (changed.length === 0) return { from: memo.commit, why: 'the tree is the one those tests ran on', stages: memo.stages };
  if (!changed.every(isInertPath)) return null;
  const readers = sources.filter((f) => isScript(f.path) || posix.basename(f.path) === 'package.json');
  const named = changed.find((path) => readers.some((f) => f.content.includes(posix.basename(path))));
  if (named !== undefined) return null;
  const list = changed.length > 4 ? `${changed.slice(0, 4).join(', ')} and ${changed.length - 4} more` : changed.join(', ');
  return { from: memo.commit, why: `only ${list} changed, which no script or package.json names`, stages: memo.stages };
}

/** The earlier result, as this run's stage: its own timing, and a summary that says it was not run again. */
export function reusedStage(result: StageResult, reused: ReusedTests, startedAt: number): StageResult {
  return {
    ...result,
    durationMs: Math.max(0, Math.round(Date.now() - startedAt)),
    summary: `not run again, same result as on ${reused.from.slice(0, 10)} (${reused.why}): ${result.summary}`,
    metrics: { ...result.metrics, reused: 1 },
  };
}

/** The memo a finished run leaves: its test stages when every one that ran passed, else none (a failure is worth running again). */
export function memoOf(commit: string, backend: SandboxBackendName, files: ReadonlyMap<string, string>, stages: readonly StageResult[]): TestRunMemo | null {
  const tests = stages.filter((s) => TEST_STAGES.has(s.stage));
  if (tests.length === 0 || !tests.some((s) => s.stage === 'unit_tests' && s.status === 'passed')) return null;
  if (tests.some((s) => s.status === 'failed')) return null;
  return { commit, backend, files, stages: new Map(tests.map((s) => [s.stage, s])) };
}
