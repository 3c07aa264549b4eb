import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readFileNoFollow, writeFileUnder } from '../fs/safe-write.js';
import { join } from 'node:path';
import type { AcceptanceSuite, JobId, Role, StageResult, ValidationReport, ValidationStageName, WorkRequest } from '../../proto/index.js';
import { exportTree } from '../git/export-tree.js';
import type { DependencyCache } from '../sandbox-app/deps-cache.js';
import type { Logger } from '../log/logger.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { Sandbox, SandboxLimits } from '../sandbox/sandbox.js';
import { z } from 'zod';
import { runRegistryNpm } from '../sandbox-app/registry-npm.js';
import { memoOf, reusableTests, type TestRunMemo } from './test-reuse.js';
import { readWorkspaceFiles } from './workspace-files.js';
import { blobIdentities } from '../git/tree-blobs.js';
import type { UnitRun } from './rules/unit-run-reuse.js';
import { foldRules } from './rules/fold-report.js';
import { DEFAULT_RULE_TIMEOUTS, type RuleTimeouts } from './rules/rule-context.js';

/** What one attempt would make main look like: a commit whose tree is exactly the tree main would hold. */
export interface ValidationCandidate {
  repo: string;
  /** A commit (not on any branch yet) holding the candidate tree. */
  commit: string;
  /** The paths the task wrote: the report holds the task to these (plus tests and coverage). */
  changed: readonly string[];
  request: WorkRequest;
}

export type TaskValidator = (candidate: ValidationCandidate) => Promise<ValidationReport>;

export interface TaskValidatorOptions {
  /** Opened on first use (an engine may need starting); null when no backend can run, so those stages and rules are unverified. */
  sandbox: () => Promise<Sandbox | null>;
  /** A folder per job that survives between attempts, so an installed node_modules is reused. */
  workspaceFor: (jobId: string) => string;
  /** Which stages a role's tasks run; the default is every stage for every role. */
  stagesFor?: (role: Role) => readonly ValidationStageName[];
  onStage?: (request: WorkRequest, result: StageResult) => Promise<void> | void;
  memoryFor?: (jobId: string) => Promise<MemoryStore | null>;
  testTimeoutMs?: number;
  limits?: Partial<SandboxLimits>;
  audit?: boolean;
  minCoverage?: number;
  /** Install the project's dependencies (registry-only, scripts off) when its package.json changed, so its test runner exists. */
  installDependencies?: boolean;
  installTimeoutMs?: number;
  /** The job's frozen acceptance suite (SuiteStore.load), which http rules take their checks from; without it they are unverified. */
  suiteFor?: (jobId: JobId) => Promise<AcceptanceSuite | null>;
  ruleTimeouts?: Partial<RuleTimeouts>;
  /** The job's dependency cache, so each app run of its rules does not install and rebuild again. */
  depsCacheFor?: (jobId: JobId) => DependencyCache;
  log?: Logger;
}

/** Kept across attempts: what the dependency install step put there. */
const KEPT = new Set(['node_modules']);

const INSTALLED_MARK = join('node_modules', '.autodev-installed');

/**
 * Dependencies come from the registry once per package.json content: the
 * mark in node_modules records which manifest was installed. A failed
 * install leaves the test stages to say that their runner is missing.
 */
async function installIfChanged(workspace: string, sandbox: Sandbox | null, timeoutMs: number, log: Logger | undefined): Promise<void> {
  let manifest: string;
  try {
    manifest = await readFile(join(workspace, 'package.json'), 'utf8');
  } catch {
    return;
  }
  const parsed = Manifest.safeParse(parseJson(manifest));
  if (!parsed.success) return;
  const deps = { ...parsed.data.dependencies, ...parsed.data.devDependencies };
  if (Object.keys(deps).length === 0) return;
  const digest = createHash('sha256').update(manifest).digest('hex');
  // Sandboxed code could have swapped node_modules or the mark for a link: neither read nor write follows one.
  const installed = (await readFileNoFollow(join(workspace, INSTALLED_MARK)))?.toString('utf8') ?? null;
  if (installed === digest) return;
  const run = await runRegistryNpm(['install', '--no-audit', '--no-fund', '--no-package-lock'], { sandbox, workspace, timeoutMs });
  if (run.exitCode === 0 && !run.timedOut) await writeFileUnder(workspace, INSTALLED_MARK, digest);
  else log?.warn('dependency install for validation failed', { workspace, exitCode: run.exitCode, timedOut: run.timedOut, tail: run.stderr.slice(-500) });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const Manifest = z.object({
  dependencies: z.record(z.string(), z.string()).optional(),
  devDependencies: z.record(z.string(), z.string()).optional(),
}).loose();

/**
 * The IntegrationEngine's validation for one attempt: the would-be tree is
 * written to the job's validation workspace (never the repository, so test
 * runs cannot dirty it) and the pipeline runs there.
 */
export function createTaskValidator(options: TaskValidatorOptions): TaskValidator {
  // Parallel tasks of one job share its workspace: their validations take turns.
  const turns = new Map<string, Promise<unknown>>();
  // The last passing test run in each workspace, so an attempt that changes only prose does not run the tests again.
  const memos = new Map<string, TestRunMemo>();
  return (candidate) => {
    const workspace = options.workspaceFor(candidate.request.jobId);
    const previous = turns.get(workspace) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => validateIn(workspace, candidate, options, memos));
    turns.set(workspace, run);
    void run.catch(() => undefined).finally(() => {
      if (turns.get(workspace) === run) turns.delete(workspace);
    });
    return run;
  };
}

async function validateIn(workspace: string, candidate: ValidationCandidate, options: TaskValidatorOptions, memos: Map<string, TestRunMemo>): Promise<ValidationReport> {
  const { request } = candidate;
  // The workspace becomes exactly the candidate's tree: nothing the worker wrote is written on its own.
  const blobs = blobIdentities(await exportTree(candidate.repo, candidate.commit, workspace, KEPT));
  const sandbox = await options.sandbox();
  if (options.installDependencies ?? true) await installIfChanged(workspace, sandbox, options.installTimeoutMs ?? 300_000, options.log);
  const memory = options.memoryFor ? await options.memoryFor(request.jobId).catch(() => null) : null;
  // Read before any test runs, so these are the candidate's files as committed.
  const files = await readWorkspaceFiles(workspace);
  // A memo holds for the backend it ran in; a changed manifest (new dependencies) is never inert, so those runs happen again.
  const memo = memos.get(workspace) ?? null;
  const reusedTests = sandbox && memo?.backend === sandbox.backend ? reusableTests(memo, blobs, files) : null;
  let unitRun: UnitRun | undefined;
  // The stages parse with TypeScript and scan with secretlint (together 1.2 s to import, 8 s on a loaded
  // machine): they load with the first validation, so the daemon that imports this module answers first.
  const { runValidationPipeline, scopeToFiles, toValidationReport } = await import('./pipeline.js');
  const report = await runValidationPipeline({
    sandbox,
    workspace,
    files,
    ...(reusedTests ? { reusedTests } : {}),
    onUnitRun: (run) => (unitRun = run),
    ...(options.stagesFor ? { stages: options.stagesFor(request.role) } : {}),
    testTimeoutMs: options.testTimeoutMs ?? 120_000,
    ...(options.limits ? { limits: options.limits } : {}),
    audit: options.audit ?? true,
    minCoverage: options.minCoverage ?? 0,
    onStage: (result) => options.onStage?.(request, result),
    ...(memory ? { memory } : {}),
    memoryContext: { taskId: request.taskId, version: candidate.commit },
    ...(options.log ? { log: options.log } : {}),
  });
  // A reused result keeps the memo of the run that produced it, so the next comparison is against the tree the tests really ran on.
  const next = sandbox && !reusedTests ? memoOf(candidate.commit, sandbox.backend, blobs, report.stages) : null;
  if (next) remember(memos, workspace, next);
  const stagesReport = toValidationReport(scopeToFiles(report, new Set(candidate.changed)));
  if (!request.rules) return foldRules(stagesReport, null);
  // The rules run the app and judge it with the acceptance checker (an OpenAPI parser, ajv): loaded with the first rule.
  const { evaluateRules } = await import('./rules/evaluate-rules.js');
  const rules = await evaluateRules(request.rules, {
    workspace,
    sandbox,
    ...(await loadSuite(options, request.jobId)),
    scratchDir: `${workspace}.app`,
    timeouts: { ...DEFAULT_RULE_TIMEOUTS, ...options.ruleTimeouts },
    ...(options.limits ? { limits: options.limits } : {}),
    // The install and the test stages ran generated code in the workspace; rules judge the candidate as committed.
    workspaceDirty: sandbox !== null,
    ...(unitRun ? { unitRun } : {}),
    ...(options.depsCacheFor ? { depsCache: options.depsCacheFor(request.jobId) } : {}),
    restoreWorkspace: async () => {
      await exportTree(candidate.repo, candidate.commit, workspace, KEPT);
    },
  });
  return foldRules(stagesReport, rules);
}

/** A memo states a fact about a tree, so an older one stays true; only the newest few are kept. */
function remember(memos: Map<string, TestRunMemo>, workspace: string, memo: TestRunMemo): void {
  memos.delete(workspace);
  memos.set(workspace, memo);
  for (const oldest of memos.keys()) {
    if (memos.size <= MAX_MEMOS) break;
    memos.delete(oldest);
  }
}

const MAX_MEMOS = 64;

/** A suite that cannot be read leaves http rules unverified, saying why, rather than failing the task's validation. */
async function loadSuite(options: TaskValidatorOptions, jobId: JobId): Promise<{ suite: AcceptanceSuite | null; suiteProblem?: string }> {
  if (!options.suiteFor) return { suite: null };
  try {
    return { suite: await options.suiteFor(jobId) };
  } catch (error) {
    options.log?.warn('could not read the acceptance suite for validation rules', { jobId, error: String(error) });
    return { suite: null, suiteProblem: `the job's acceptance suite could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
}
