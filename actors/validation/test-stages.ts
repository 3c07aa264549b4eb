import type { StageResult, ValidationStageName } from '../../proto/index.js';
import type { Sandbox, SandboxLimits } from '../sandbox/sandbox.js';
import { excerpt } from '../sandbox-app/excerpt.js';
import { unverifiedStage, stageResult } from './stage-result.js';
import { genericFailure, parseCoverage, parseTapFailures } from './test-output.js';
import type { TestCommand } from './test-plan.js';
import type { WorkspaceFile } from './workspace-files.js';

export interface TestRunOptions {
  sandbox: Sandbox;
  root: string;
  files: readonly WorkspaceFile[];
  timeoutMs: number;
  limits?: Partial<SandboxLimits>;
  signal?: AbortSignal;
}

export interface TestRunOutcome {
  result: StageResult;
  coverage: Record<string, number> | null;
  /** The run's stdout and stderr; empty when it did not run. */
  output: string;
}

/** Runs one test stage's command inside the sandbox, network off, and structures what failed. */
export async function runTestStage(stage: ValidationStageName, command: TestCommand, options: TestRunOptions): Promise<TestRunOutcome> {
  const started = Date.now();
  if (command.kind === 'skip') return { result: unverifiedStage(stage, started, command.reason), coverage: null, output: '' };
  const run = await options.sandbox.run(command.argv, {
    workspace: options.root,
    network: 'none',
    timeoutMs: options.timeoutMs,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const output = `${run.stdout}\n${run.stderr}`;
  const coverage = parseCoverage(output);
  const known = new Set(options.files.map((f) => f.path));
  const passedCount = Number(/^# pass (\d+)/m.exec(output)?.[1] ?? NaN);
  const failedCount = Number(/^# fail (\d+)/m.exec(output)?.[1] ?? NaN);
  const counts = Number.isNaN(passedCount) ? '' : `${passedCount} passed, ${failedCount} failed`;
  const commandLine = command.argv.join(' ');
  if (run.timedOut || run.oomKilled) {
    const why = run.timedOut ? `timed out after ${options.timeoutMs} ms` : 'was killed for exceeding the memory limit';
    const failure = { stage, file: null, line: null, message: `${commandLine} ${why}`, logExcerpt: excerpt(output) };
    return { result: stageResult(stage, started, { summary: `${commandLine} ${why}`, failures: [failure] }), coverage, output };
  }
  if (run.exitCode === 0) {
    return { result: stageResult(stage, started, { summary: `${commandLine}: ${counts || 'exit 0'}`, metrics: metricsOf(passedCount, failedCount, run.durationMs) }), coverage, output };
  }
  let failures = command.tap ? parseTapFailures(stage, output, options.root, known) : [];
  if (failures.length === 0) failures = [genericFailure(stage, output, options.root, known, `${commandLine} exited with ${run.exitCode}`)];
  return {
    result: stageResult(stage, started, {
      summary: `${commandLine}: ${counts || `exit ${run.exitCode}`}`,
      failures: failures.slice(0, 20),
      metrics: metricsOf(passedCount, failedCount, run.durationMs),
    }),
    coverage,
    output,
  };
}

function metricsOf(passed: number, failed: number, durationMs: number): Record<string, number> {
  return { ...(Number.isNaN(passed) ? {} : { passed, failed }), runMs: durationMs };
}

/** Coverage is judged against a minimum line percentage; 0 reports without failing. */
export function coverageStage(started: number, coverage: Record<string, number> | null, minLines: number, skipReason: string | null): StageResult {
  if (!coverage) return unverifiedStage('coverage', started, skipReason ?? 'the test run printed no coverage report');
  const lines = coverage.lines ?? 0;
  const summary = Object.entries(coverage).map(([k, v]) => `${k} ${v.toFixed(1)}%`).join(', ');
  const failures =
    lines < minLines
      ? [{ stage: 'coverage' as const, file: null, line: null, message: `line coverage ${lines.toFixed(1)}% is below the required ${minLines}%`, logExcerpt: summary }]
      : [];
  return stageResult('coverage', started, { summary, failures, metrics: coverage });
}
