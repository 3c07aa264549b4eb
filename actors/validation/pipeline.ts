import type {
  MemoryStoreInput,
  PipelineReport,
  StageResult,
  ValidationFailure,
  ValidationReport,
  ValidationStageName,
} from '../../proto/index.js';
import { VALIDATION_STAGES } from '../../proto/index.js';
import type { Logger } from '../log/logger.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { Sandbox, SandboxLimits } from '../sandbox/sandbox.js';
import { runLint } from './lint.js';
import { runQuality } from './quality.js';
import { runSecurity } from './security.js';
import { syntaxStage } from './syntax-stage.js';
import { coverageStage, runTestStage } from './test-stages.js';
import { planTests } from './test-plan.js';
import { runTypecheck } from './typecheck.js';
import type { UnitRun } from './rules/unit-run-reuse.js';
import { reusedStage, type ReusedTests } from './test-reuse.js';
import { readWorkspaceFiles, type WorkspaceFile } from './workspace-files.js';

export interface PipelineOptions {
  /** Null runs only the stages that read code; those that run it are unverified with that reason, never run unsandboxed. */
  sandbox: Sandbox | null;
  /** The project, checked out; test runs mount it read-write in the sandbox. */
  workspace: string;
  /** Defaults to every stage. */
  stages?: readonly ValidationStageName[];
  /** Each test run's wall-clock limit. */
  testTimeoutMs?: number;
  limits?: Partial<SandboxLimits>;
  /** npm audit reaches the registry; off for runs that must stay offline. */
  audit?: boolean;
  /** Minimum line coverage in percent; 0 reports coverage without judging it. */
  minCoverage?: number;
  /** Called as each stage finishes, for its `validation.stage` event. */
  onStage?: (result: StageResult) => Promise<void> | void;
  /** Each stage's outcome is stored here as a `test` record, or an `error` record when it failed. */
  memory?: MemoryStore;
  memoryContext?: { taskId: string | null; version: string | null };
  log?: Logger;
  signal?: AbortSignal;
  /** The workspace's files, when the caller already read them after writing the tree; read here otherwise. */
  files?: readonly WorkspaceFile[];
  /** Test stages whose earlier result stands for this tree (see test-reuse.ts): recorded, not run again. */
  reusedTests?: ReusedTests;
  /** Told the unit_tests command and its output when it ran, so a tests_pass rule it answers need not run it again. */
  onUnitRun?: (run: UnitRun) => void;
}

/**
 * The validation pipeline over one checked-out project. Stages that only read
 * code (syntax, lint, type check, security's scanners, quality) run in this
 * process; stages that run the generated code (tests, coverage, npm audit) run
 * in the sandbox. Every stage runs even after a failure, so one fix task sees
 * every problem at once.
 */
export async function runValidationPipeline(options: PipelineOptions): Promise<PipelineReport> {
  const started = Date.now();
  const wanted = new Set(options.stages ?? VALIDATION_STAGES);
  const files = options.files ?? (await readWorkspaceFiles(options.workspace));
  const sandbox = options.sandbox;
  const noSandbox = 'no sandbox backend is available, and generated code is never run outside one';
  const testOptions = {
    sandbox: sandbox as Sandbox,
    root: options.workspace,
    files,
    timeoutMs: options.testTimeoutMs ?? 120_000,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const plan = sandbox
    ? planTests(options.workspace, files)
    : { unit: { kind: 'skip', reason: noSandbox } as const, integration: { kind: 'skip', reason: noSandbox } as const, coverage: { kind: 'skip', reason: noSandbox } as const };
  let coverage: Record<string, number> | null = null;
  const stages: StageResult[] = [];
  const record = async (result: StageResult) => {
    stages.push(result);
    await options.onStage?.(result);
  };
  for (const stage of VALIDATION_STAGES) {
    if (!wanted.has(stage)) continue;
    options.signal?.throwIfAborted();
    const reused = options.reusedTests?.stages.get(stage);
    if (reused && options.reusedTests) {
      await record(reusedStage(reused, options.reusedTests, Date.now()));
      continue;
    }
    switch (stage) {
      case 'syntax':
        await record(syntaxStage(files));
        break;
      case 'lint':
        await record(runLint(files));
        break;
      case 'typecheck':
        await record(runTypecheck(options.workspace, files));
        break;
      case 'unit_tests': {
        const outcome = await runTestStage('unit_tests', plan.unit, testOptions);
        if (plan.unit.kind === 'run') options.onUnitRun?.({ argv: plan.unit.argv, passed: outcome.result.status === 'passed', output: outcome.output });
        coverage = outcome.coverage;
        await record(outcome.result);
        break;
      }
      case 'integration_tests':
        await record((await runTestStage('integration_tests', plan.integration, testOptions)).result);
        break;
      case 'coverage': {
        const at = Date.now();
        if (plan.coverage?.kind === 'run') coverage = (await runTestStage('coverage', plan.coverage, testOptions)).coverage;
        const skip = plan.coverage?.kind === 'skip' ? plan.coverage.reason : plan.unit.kind === 'skip' ? plan.unit.reason : null;
        await record(coverageStage(at, coverage, options.minCoverage ?? 0, skip));
        break;
      }
      case 'security':
        await record(
          await runSecurity({ sandbox, root: options.workspace, files, auditTimeoutMs: 60_000, audit: options.audit ?? true }),
        );
        break;
      case 'quality':
        await record(runQuality(files));
        break;
    }
  }
  await remember(options, stages);
  return {
    passed: stages.every((s) => s.status !== 'failed'),
    sandbox: sandbox?.backend ?? null,
    stages,
    durationMs: Date.now() - started,
  };
}

/** Every stage's outcome in one write: one embedding batch and one table append, not one per stage. */
async function remember(options: PipelineOptions, results: readonly StageResult[]): Promise<void> {
  if (!options.memory || results.length === 0) return;
  const inputs = results.map((result): MemoryStoreInput => {
    const lines = [`validation ${result.stage} ${result.status}: ${result.summary}`];
    for (const f of result.failures.slice(0, 10)) lines.push(`${f.file ?? '(project)'}${f.line ? `:${f.line}` : ''} ${f.message}\n${f.logExcerpt}`);
    return {
      content: lines.join('\n').slice(0, 20_000),
      metadata: {
        type: result.status === 'failed' ? 'error' : 'test',
        source: `validation/${result.stage}`,
        taskId: options.memoryContext?.taskId ?? null,
        version: options.memoryContext?.version ?? null,
        tags: ['validation', result.stage, result.status],
      },
    };
  });
  try {
    await options.memory.storeMany(inputs);
  } catch (error) {
    // Memory helps later prompts; losing these records must not fail validation.
    options.log?.warn('could not store the validation results in memory', { stages: results.map((r) => r.stage), error: String(error) });
  }
}

const PROJECT_WIDE: ReadonlySet<ValidationStageName> = new Set(['unit_tests', 'integration_tests', 'coverage']);

/**
 * Keeps against one task only what it can be asked to fix: problems in the
 * files it wrote, and project-wide results (tests, coverage). Problems in
 * files other tasks wrote become warnings, so one task's conflict markers or
 * type errors do not turn every parallel task into a fix task.
 */
export function scopeToFiles(report: PipelineReport, files: ReadonlySet<string>): PipelineReport {
  const stages = report.stages.map((stage): StageResult => {
    const mine = stage.failures.filter((f) => f.file === null || files.has(f.file) || PROJECT_WIDE.has(stage.stage));
    if (mine.length === stage.failures.length) return stage;
    const others = stage.failures.filter((f) => !mine.includes(f)).map((f) => `another task's file: ${f.file}${f.line ? `:${f.line}` : ''} ${f.message}`);
    return { ...stage, status: mine.length > 0 ? 'failed' : stage.status === 'failed' ? 'passed' : stage.status, failures: mine, warnings: [...others, ...stage.warnings].slice(0, 50) };
  });
  return { ...report, stages, passed: stages.every((s) => s.status !== 'failed') };
}

function failureLine(f: ValidationFailure): string {
  const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''} ` : '';
  const log = f.logExcerpt && f.logExcerpt !== f.message ? `\n    ${f.logExcerpt.split('\n').slice(0, 12).join('\n    ')}` : '';
  return `[${f.stage}] ${where}${f.message}${log}`;
}

/**
 * The report a task carries. `issues` keeps its one-problem-per-entry form,
 * now with the tool output indented under each, so fix tasks built from it
 * (the Master puts issues in the fix prompt) see the failing test's output.
 */
export function toValidationReport(report: PipelineReport): ValidationReport {
  const failures = report.stages.flatMap((s) => s.failures);
  return {
    passed: report.passed,
    issues: failures.slice(0, 30).map(failureLine),
    failures: failures.slice(0, 50),
    stages: report.stages.map((s) => ({ stage: s.stage, status: s.status, summary: s.summary })),
  };
}
