import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AcceptanceCheckResult, AcceptanceReport, AcceptanceSuite, AppStep } from '../../proto/index.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { directNodeArgv, projectNpmSetup } from '../validation/direct-script.js';
import { excerpt } from '../validation/stage-result.js';
import { copyApp } from './app-copy.js';
import type { DependencyCache } from './deps-cache.js';
import { readManifest, setUpApp, stepOf } from './app-setup.js';
import { buildReport, emptyActual, evaluateChecks } from './evaluate.js';
import { commandNotRun, evaluateCommands } from './evaluate-commands.js';
import { PLAN_FILE, RUNNER_ENTRY, writeRunner } from './runner-files.js';
import type { RunnerPlan } from './runner-protocol.js';
import { parseRunnerOutput } from './runner-result.js';

export interface AcceptAppOptions {
  sandbox: Sandbox;
  /** The app's folder; it is copied, never changed. */
  appDir: string;
  /** A private folder for the copy; removed afterwards. */
  workDir: string;
  suite: AcceptanceSuite;
  /** Shell command that starts the app; default `npm start`, or the start script as node itself when that is the same run. */
  start?: string;
  installTimeoutMs?: number;
  buildTimeoutMs?: number;
  startTimeoutMs?: number;
  checksTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Each command check's own limit. */
  commandTimeoutMs?: number;
  /** Installed dependencies kept between runs of the same dependency set. */
  depsCache?: DependencyCache;
  signal?: AbortSignal;
}

/**
 * Checks an app in the sandbox: copy it, install and build it there, then
 * one sandbox run that starts it, sends the checks and runs the command
 * checks from inside (network off; loopback only), and judge the answers
 * here. Whatever stops the app from listening fails the `server_starts`
 * check with the reason and the app's log, and every other check is
 * unverified. A suite with no checks at all is not run: its report has a
 * total of 0, which never reads as passed.
 */
export async function acceptApp(options: AcceptAppOptions): Promise<AcceptanceReport> {
  const started = performance.now();
  const { sandbox, suite } = options;
  const commands = suite.commands ?? [];
  // Starting the app would pass server_starts, and one passed check of one would read as accepted.
  if (suite.checks.length === 0 && commands.length === 0) return buildReport([], performance.now() - started, null);
  const workspace = join(options.workDir, 'app');
  await mkdir(options.workDir, { recursive: true, mode: 0o700 });
  try {
    await copyApp(options.appDir, workspace);
    const finish = (steps: AppStep[], problem: string | null, log: string, results: AcceptanceCheckResult[] = []) => {
      const starts = serverStarts(problem, log, steps.find((s) => s.status === 'failed')?.name ?? 'start');
      const checks = problem === null ? results : [...suite.checks.map((c) => unverified(c, `not run: ${problem}`)), ...commands.map((c) => commandNotRun(c, `not run: ${problem}`))];
      return buildReport([starts, ...checks], performance.now() - started, { sandbox: sandbox.backend, steps, logExcerpt: log });
    };
    const manifest = await readManifest(workspace);
    if (manifest && 'problem' in manifest) return finish([], manifest.problem, '');
    if (options.start === undefined && !manifest?.scripts.start) {
      return finish([], manifest ? 'package.json has no start script; add one or pass --start CMD' : 'the app has no package.json; pass --start CMD to say how it starts', '');
    }
    const steps = manifest
      ? await setUpApp(manifest, { sandbox, workspace, installTimeoutMs: options.installTimeoutMs ?? 300_000, buildTimeoutMs: options.buildTimeoutMs ?? 180_000, ...(options.signal ? { signal: options.signal } : {}), ...(options.depsCache ? { depsCache: options.depsCache } : {}) })
      : [];
    const failedStep = steps.find((s) => s.status === 'failed');
    if (failedStep) return finish(steps, `${failedStep.name} failed: ${failedStep.reason ?? 'see its log'}`, failedStep.logExcerpt);

    // Read after install and build, which may have put a `node` of the project's own in node_modules/.bin.
    const startArgv = options.start === undefined && manifest ? directNodeArgv(manifest.scripts, 'start', projectNpmSetup(workspace)) : null;
    const plan: RunnerPlan = {
      checks: suite.checks.filter((c) => c.unverifiable === null),
      start: options.start ?? null,
      startArgv,
      startTimeoutMs: options.startTimeoutMs ?? 30_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      checksTimeoutMs: options.checksTimeoutMs ?? 120_000,
      commands,
      commandTimeoutMs: options.commandTimeoutMs ?? 30_000,
    };
    await writeRunner(workspace, plan);
    const timeoutMs = plan.startTimeoutMs + plan.checksTimeoutMs + commands.length * plan.commandTimeoutMs + 15_000;
    const run = await sandbox.run(['node', RUNNER_ENTRY, PLAN_FILE], { workspace, network: 'none', timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
    const result = parseRunnerOutput(run.stdout);
    if (typeof result === 'string') {
      const step = stepOf('start', 'the acceptance runner', run, timeoutMs);
      return finish([...steps, { ...step, status: 'failed' }], `${result} (${step.reason ?? `exit ${run.exitCode}`})`, excerpt(run.stderr, 20));
    }
    const log = excerpt(result.log, 40, 4000);
    const startStep: AppStep = { name: 'start', status: result.started ? 'passed' : 'failed', reason: result.problem, durationMs: Math.round(result.startMs), logExcerpt: log };
    if (!result.started) return finish([...steps, startStep], result.problem ?? 'the app did not start', log);
    return finish([...steps, startStep], null, log, [...evaluateChecks(suite, result.outcomes), ...evaluateCommands(commands, result.commandOutcomes)]);
  } finally {
    await rm(options.workDir, { recursive: true, force: true });
  }
}

function serverStarts(problem: string | null, log: string, step: string): AcceptanceCheckResult {
  return {
    id: 'app.server_starts',
    operationId: '-',
    kind: 'server_starts',
    title: 'the app installs, builds, starts and listens on PORT',
    status: problem === null ? 'passed' : 'failed',
    request: null,
    expected: { status: 'listening', contentType: null, schema: null, detail: 'dependencies install, the build passes, and the app listens on PORT at HOST' },
    actual: { ...emptyActual(step, problem), bodyExcerpt: problem === null ? '' : log.slice(-1000) },
  };
}

function unverified(check: AcceptanceSuite['checks'][number], why: string): AcceptanceCheckResult {
  return {
    id: check.id,
    operationId: check.operationId,
    kind: check.kind,
    title: check.title,
    status: 'unverified',
    request: null,
    expected: { status: '-', contentType: null, schema: null, detail: check.title },
    actual: emptyActual('-', why),
  };
}
