import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AcceptanceCheckResult, AcceptanceReport, AcceptanceSuite, AcceptanceSummary, JobEvent, JobId, TaskId } from '../../proto/index.js';
import type { AcceptJobInput, AcceptJobOutput, AcceptanceFix } from '../../machines/master-types.js';
import { acceptApp } from '../acceptance/app-runner.js';
import { buildReport } from '../acceptance/evaluate.js';
import type { SuiteStore } from '../acceptance/suite-store.js';
import { removeTree } from '../fs/safe-tree.js';
import { exportTree } from '../git/export-tree.js';
import { headCommit } from '../git/repo.js';
import type { Logger } from '../log/logger.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { DependencyCache } from '../sandbox-app/deps-cache.js';
import { acceptanceOwners } from './acceptance-routing.js';
import { describeAppLog, describeBlocked, describeCheckFailure, describeSetupFailure, describeTestFailure, failuresOf } from './acceptance-problems.js';
import { runProjectTests, type ProjectTestOutcome } from './project-tests.js';
import { judgeRoundRequirements, readRoundStack, requirementFixes, requirementsPlanOf } from './round-requirements.js';
import type { StackFindings } from '../validation/stack-findings.js';

export interface AcceptJobTimeouts {
  installMs: number;
  buildMs: number;
  startMs: number;
  checksMs: number;
  requestMs: number;
  commandMs: number;
  testsMs: number;
}

export interface AcceptJobDeps {
  /** Each job's round works in `<jobsDir>/<jobId>/accept/`, beside its repository, never in it. */
  jobsDir: string;
  suiteStore: SuiteStore;
  /** Rejects when no sandbox backend can run the app: every check is then unverified, with that reason. */
  sandbox: () => Promise<Sandbox>;
  /** The bus the job's state events go through; check results are progress, not transitions. */
  publish: (event: JobEvent) => Promise<void>;
  now?: () => Date;
  log?: Logger;
  timeouts?: Partial<AcceptJobTimeouts>;
  /** The job's dependency cache (shared with its rules), so a round after the first does not install and rebuild again. */
  depsCacheFor?: (jobId: JobId) => DependencyCache;
}

/** Config `acceptance.*` (daemon/acceptance-config.ts) has the same defaults. */
const DEFAULT_TIMEOUTS: AcceptJobTimeouts = { installMs: 300_000, buildMs: 180_000, startMs: 30_000, checksMs: 120_000, requestMs: 10_000, commandMs: 30_000, testsMs: 180_000 };

/**
 * One integration round: main's tree exported to the job's accept/ folder,
 * the frozen acceptance suite run against the app started from it in the
 * sandbox, and the project's own tests run there too. Every result is kept
 * (suite store) and published; failures are routed to the task that owns the
 * failing code. Safe to run again for the same round: it starts over.
 */
export async function acceptJob(deps: AcceptJobDeps, input: AcceptJobInput, signal?: AbortSignal): Promise<AcceptJobOutput> {
  const started = performance.now();
  const timeouts = { ...DEFAULT_TIMEOUTS, ...deps.timeouts };
  const commit = await headCommit(input.repo);
  if (!commit) throw new Error(`the repository of job ${input.jobId} has no commit on main to accept`);
  const folder = join(deps.jobsDir, input.jobId, 'accept');
  const tree = join(folder, 'tree');
  await mkdir(folder, { recursive: true, mode: 0o700 });
  // Installed packages are kept between rounds: the next install only brings them up to date (a dependency cache hit replaces them).
  await exportTree(input.repo, commit, tree, new Set(['node_modules']));

  const suite = await deps.suiteStore.load(input.jobId);
  const requirements = requirementsPlanOf(input.blueprint);
  const depsCache = deps.depsCacheFor?.(input.jobId);
  let sandbox: Sandbox | null = null;
  let noSandbox = '';
  try {
    sandbox = await deps.sandbox();
  } catch (error) {
    noSandbox = error instanceof Error ? error.message : String(error);
  }

  let report: AcceptanceReport;
  let tests: ProjectTestOutcome | null = null;
  // A round cut short by a crash left its private copy behind; the copy must be exactly main.
  // The app ran in it: removed by descriptor, so nothing it left running can redirect the removal.
  await removeTree(join(folder, 'run'));
  let stack: StackFindings | null = null;
  if (!sandbox) {
    report = buildReport(unverifiedAll(suite, `no sandbox can run the app: ${noSandbox}`), performance.now() - started, null);
    stack = await readRoundStack(requirements, tree, depsCache, deps.log);
  } else if (!suite) {
    // Nothing to judge the app by (a job planned before suites were frozen): unverified, never accepted.
    report = buildReport([missingSuite()], performance.now() - started, null);
    stack = await readRoundStack(requirements, tree, depsCache, deps.log);
    tests = await runProjectTests({ sandbox, root: tree, installTimeoutMs: timeouts.installMs, testTimeoutMs: timeouts.testsMs, ...(signal ? { signal } : {}), ...(depsCache ? { depsCache } : {}) });
  } else {
    const accepted = await acceptApp({
      sandbox,
      appDir: tree,
      workDir: join(folder, 'run'),
      suite,
      installTimeoutMs: timeouts.installMs,
      buildTimeoutMs: timeouts.buildMs,
      startTimeoutMs: timeouts.startMs,
      checksTimeoutMs: timeouts.checksMs,
      requestTimeoutMs: timeouts.requestMs,
      commandTimeoutMs: timeouts.commandMs,
      ...(signal ? { signal } : {}),
      ...(depsCache ? { depsCache } : {}),
      restartChecks: requirements.restart,
    });
    report = accepted;
    // A stopped round (cancel, deadline) ends here: what ran after the abort judges nothing.
    signal?.throwIfAborted();
    // Read before the project's tests run code in the tree, which could rewrite its sources.
    stack = await readRoundStack(requirements, tree, depsCache, deps.log);
    tests = await runProjectTests({ sandbox, root: tree, installTimeoutMs: timeouts.installMs, testTimeoutMs: timeouts.testsMs, ...(signal ? { signal } : {}), ...(depsCache ? { depsCache } : {}) });
  }

  const judged = judgeRoundRequirements(requirements, { report: sandbox ? report : null, tests, stack, suite, ...(noSandbox ? { notRun: `no sandbox can run the app: ${noSandbox}` } : {}) });
  const file = await deps.suiteStore.saveReport(input.jobId, input.round, report);
  await publishChecks(deps, input, report.checks, signal);
  const summary: AcceptanceSummary = {
    round: input.round,
    passed: report.passed,
    failed: report.failed,
    blocked: report.blocked,
    unverified: report.unverified,
    total: report.total,
    projectTests: tests ? { status: tests.status, summary: tests.summary } : null,
    failures: failuresOf(report.checks),
    commit,
    durationMs: Math.round(performance.now() - started),
    ...(judged ? { requirements: judged.requirements, requirementChecks: judged.checks } : {}),
  };
  deps.log?.info('acceptance round finished', { jobId: input.jobId, round: input.round, passed: summary.passed, failed: summary.failed, blocked: summary.blocked, unverified: summary.unverified, total: summary.total, projectTests: tests?.status ?? 'none', report: file });
  return { summary, fixes: requirementFixes(input, routeFixes(input, report, tests), judged?.checks ?? []) };
}

/**
 * The failing checks and tests, grouped by owner; unverified checks have
 * nothing to fix and go nowhere. A blocked check is no task of its own: its
 * root cause's fix (once, with its owner) names it, since fixing that bug
 * unblocks it.
 */
export function routeFixes(input: Pick<AcceptJobInput, 'tasks'>, report: AcceptanceReport, tests: ProjectTestOutcome | null): AcceptanceFix[] {
  const owners = acceptanceOwners(input.tasks);
  const problems = new Map<TaskId, string[]>();
  const add = (owner: TaskId | null, problem: string) => {
    if (owner === null) return;
    problems.set(owner, [...(problems.get(owner) ?? []), problem]);
  };
  const setup = describeSetupFailure(report);
  const blockedBy = new Map<string, string[]>();
  for (const check of report.checks) if (check.status === 'blocked' && check.rootCause) blockedBy.set(check.rootCause, [...(blockedBy.get(check.rootCause) ?? []), check.id]);
  for (const check of report.checks.filter((c) => c.status === 'failed')) {
    const blocked = blockedBy.get(check.id);
    const problem = blocked ? `${describeCheckFailure(check)}\n${describeBlocked(blocked)}` : describeCheckFailure(check);
    if (check.kind === 'server_starts') add(owners.ofServer(), setup ? `${problem}\n${setup}` : problem);
    else add(owners.ofOperation(check.operationId), problem);
  }
  const log = describeAppLog(report);
  if (log) for (const list of problems.values()) if (!list.some((p) => p.startsWith('acceptance check app.server_starts'))) list.push(log);
  if (tests?.status === 'failed') {
    if (tests.failures.length === 0) add(owners.ofTest(null), `the project's own tests failed: ${tests.summary}`);
    for (const failure of tests.failures) add(owners.ofTest(failure.file), describeTestFailure(failure));
  }
  return [...problems].map(([ownerTaskId, list]) => ({ ownerTaskId, problems: list }));
}

async function publishChecks(deps: AcceptJobDeps, input: AcceptJobInput, checks: readonly AcceptanceCheckResult[], signal?: AbortSignal): Promise<void> {
  const at = (deps.now ?? (() => new Date()))().toISOString();
  for (const result of checks) {
    // A cancelled round publishes no more: its results judge nothing.
    if (signal?.aborted) return;
    try {
      await deps.publish({ type: 'acceptance.check', jobId: input.jobId, at, round: input.round, result });
    } catch (error) {
      deps.log?.warn('could not publish an acceptance check', { jobId: input.jobId, check: result.id, error: String(error) });
    }
  }
}

function unverifiedResult(id: string, operationId: string, kind: AcceptanceCheckResult['kind'], title: string, why: string): AcceptanceCheckResult {
  return {
    id,
    operationId,
    kind,
    title,
    status: 'unverified',
    request: null,
    expected: { status: '-', contentType: null, schema: null, detail: title },
    actual: { step: '-', status: null, contentType: null, bodyExcerpt: '', schemaErrors: [], problem: why },
  };
}

function unverifiedAll(suite: AcceptanceSuite | null, why: string): AcceptanceCheckResult[] {
  const checks = (suite?.checks ?? []).map((c) => unverifiedResult(c.id, c.operationId, c.kind, c.title, why));
  const commands = (suite?.commands ?? []).map((c) => unverifiedResult(c.id, '-', 'command', c.title, why));
  return [unverifiedResult('app.server_starts', '-', 'server_starts', 'the app installs, builds, starts and listens on PORT', why), ...checks, ...commands, ...(suite ? [] : [missingSuite()])];
}

function missingSuite(): AcceptanceCheckResult {
  return unverifiedResult(
    'suite.missing',
    '-',
    'scenario',
    "the job's frozen acceptance suite",
    'the job has no acceptance suite, so nothing shows the app does what was asked; resubmit it with an OpenAPI spec (--spec FILE), or with a daemon whose planner writes checks from the prompt',
  );
}
