import type { StageResult, ValidationFailure } from '../../proto/index.js';
import { readManifest, setUpApp } from '../sandbox-app/app-setup.js';
import { buildInTestScript } from './build-in-test-script.js';
import type { DependencyCache } from '../sandbox-app/deps-cache.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { planTests } from '../validation/test-plan.js';
import { runTestStage } from '../validation/test-stages.js';
import { isTestFile, readWorkspaceFiles } from '../validation/workspace-files.js';

export interface ProjectTestOptions {
  sandbox: Sandbox;
  /** The exported tree of main; dependencies are installed into it (in the sandbox). */
  root: string;
  installTimeoutMs: number;
  testTimeoutMs: number;
  signal?: AbortSignal;
  /** The job's dependency cache: a hit replaces the tree's node_modules (which earlier tests ran in) with the kept install. */
  depsCache?: DependencyCache;
}

export interface ProjectTestOutcome {
  status: 'passed' | 'failed' | 'unverified';
  summary: string;
  failures: ValidationFailure[];
}

const NPM_PLACEHOLDER = /no test specified/;

/**
 * The project's own test suite on the integrated tree, in the sandbox with the
 * network off: dependencies installed (scripts only in the sandbox), then the
 * unit and integration commands the validation pipeline would pick. Null when
 * the project has no tests at all; `unverified` when it has some that could
 * not run, which never counts as passed.
 */
export async function runProjectTests(options: ProjectTestOptions): Promise<ProjectTestOutcome | null> {
  const files = await readWorkspaceFiles(options.root);
  const manifest = await readManifest(options.root);
  const scripts = manifest && !('problem' in manifest) ? manifest.scripts : {};
  const testScript = scripts.test !== undefined && !NPM_PLACEHOLDER.test(scripts.test);
  if (!testScript && !files.some((f) => isTestFile(f.path))) return null;
  if (manifest && 'problem' in manifest) return { status: 'unverified', summary: `could not run: ${manifest.problem}`, failures: [] };
  if (manifest) {
    const steps = await setUpApp(manifest, {
      sandbox: options.sandbox,
      workspace: options.root,
      installTimeoutMs: options.installTimeoutMs,
      buildTimeoutMs: options.testTimeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.depsCache ? { depsCache: options.depsCache } : {}),
      buildNotNeeded: buildInTestScript(scripts, files.map((f) => f.path)),
    });
    const failed = steps.find((s) => s.status === 'failed');
    if (failed) return { status: 'unverified', summary: `could not run: ${failed.name} failed: ${failed.reason ?? 'see its log'}`, failures: [] };
  }
  const plan = planTests(options.root, files);
  const run = { sandbox: options.sandbox, root: options.root, files, timeoutMs: options.testTimeoutMs, ...(options.signal ? { signal: options.signal } : {}) };
  const stages: StageResult[] = [
    (await runTestStage('unit_tests', plan.unit, run)).result,
    (await runTestStage('integration_tests', plan.integration, run)).result,
  ];
  const failures = stages.flatMap((s) => s.failures);
  const ran = stages.filter((s) => s.status === 'passed');
  const summary = stages.map((s) => `${s.stage}: ${s.summary}`).join('; ').slice(0, 1000);
  if (stages.some((s) => s.status === 'failed')) return { status: 'failed', summary, failures };
  return { status: ran.length > 0 ? 'passed' : 'unverified', summary, failures: [] };
}
