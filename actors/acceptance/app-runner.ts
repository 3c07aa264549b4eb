import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTree } from '../fs/safe-tree.js';
import type { AcceptanceCheckResult, AcceptanceReport, AcceptanceSuite, AppStep } from '../../proto/index.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { directNodeArgv, projectNpmSetup } from '../sandbox-app/direct-script.js';
import { copyApp } from './app-copy.js';
import { requireCredentials, testCredentialPlan, type CredentialPlan } from './credential-plan.js';
import type { DependencyCache } from '../sandbox-app/deps-cache.js';
import { readManifest, setUpApp } from '../sandbox-app/app-setup.js';
import { buildReport, emptyActual, evaluateChecks } from './evaluate.js';
import { commandNotRun, evaluateCommands } from './evaluate-commands.js';
import { judgeRunningApp } from './judge-app.js';
import { runRestartChecks } from './restart-check.js';

export interface AcceptAppOptions {
  sandbox: Sandbox;
  /** The app's folder; it is copied, never changed. */
  appDir: string;
  /** A private folder for the copy; removed afterwards. */
  workDir: string;
  suite: AcceptanceSuite;
  /** Shell command that starts the app; default `npm start`, or the start script as node itself when that is the same run. */
  start?: string;
  /**
   * True when whoever asked can give `start` (`autodev accept --start`). Inside
   * a job nobody can, so an app with no way to start is told what it must have.
   */
  canPassStart?: boolean;
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
  /** What the checks send and the app is started with; default: the job's test credentials, which its suite carries. */
  credentials?: CredentialPlan;
  /** Also check that data survives a restart of the app (a database requirement): see restart-check.ts. */
  restartChecks?: boolean;
}

/**
 * Checks an app in the sandbox: copy it, install and build it there, start
 * it as a sandbox service (network off: its own loopback only), send the
 * checks from a judge in a sandbox of its own beside it (judge-app.ts), run
 * the command checks beside it too, and judge the answers here. Whatever stops the app from listening fails the `server_starts`
 * check with the reason and the app's log, and every other check is
 * unverified. A suite with no checks at all is not run: its report has a
 * total of 0, which never reads as passed.
 */
export async function acceptApp(options: AcceptAppOptions): Promise<AcceptanceReport> {
  const started = performance.now();
  const { sandbox } = options;
  const credentials = options.credentials ?? testCredentialPlan(options.suite);
  const suite = requireCredentials(options.suite, credentials.auth);
  const commands = suite.commands ?? [];
  // Starting the app would pass server_starts, and one passed check of one would read as accepted.
  if (suite.checks.length === 0 && commands.length === 0) return buildReport([], performance.now() - started, null);
  const workspace = join(options.workDir, 'app');
  await mkdir(options.workDir, { recursive: true, mode: 0o700 });
  try {
    await copyApp(options.appDir, workspace);
    const report = (steps: AppStep[], log: string, checks: AcceptanceCheckResult[]) => buildReport(checks, performance.now() - started, { sandbox: sandbox.backend, steps, logExcerpt: log });
    const notRun = (why: string) => [...suite.checks.map((c) => unverified(c, why)), ...commands.map((c) => commandNotRun(c, why))];
    const finish = (steps: AppStep[], problem: string | null, log: string, results: AcceptanceCheckResult[] = []) => {
      const starts = serverStarts(problem === null ? 'passed' : 'failed', problem, log, steps.find((s) => s.status === 'failed')?.name ?? 'start');
      return report(steps, log, [starts, ...(problem === null ? results : notRun(`not run: ${problem}`))]);
    };
    const manifest = await readManifest(workspace);
    if (manifest && 'problem' in manifest) return finish([], manifest.problem, '');
    if (options.start === undefined && !manifest?.scripts.start) {
      return finish([], noStartProblem(manifest !== null, options.canPassStart === true), '');
    }
    const steps = manifest
      ? await setUpApp(manifest, { sandbox, workspace, installTimeoutMs: options.installTimeoutMs ?? 300_000, buildTimeoutMs: options.buildTimeoutMs ?? 180_000, ...(options.signal ? { signal: options.signal } : {}), ...(options.depsCache ? { depsCache: options.depsCache } : {}) })
      : [];
    const failedStep = steps.find((s) => s.status === 'failed');
    if (failedStep) return finish(steps, `${failedStep.name} failed: ${failedStep.reason ?? 'see its log'}`, failedStep.logExcerpt);

    // Read after install and build, which may have put a `node` of the project's own in node_modules/.bin.
    const startArgv = options.start !== undefined ? ['sh', '-c', options.start] : (manifest ? directNodeArgv(manifest.scripts, 'start', projectNpmSetup(workspace)) : null) ?? ['npm', 'start'];
    const judged = await judgeRunningApp({ ...options, suite, workspace, startArgv, commands, auth: credentials.auth, appEnv: credentials.appEnv });
    const startStep: AppStep = { name: 'start', status: judged.problem === null ? 'passed' : 'failed', reason: judged.problem ?? judged.portNote, durationMs: judged.startMs, logExcerpt: judged.log };
    if (judged.problem !== null) return finish([...steps, startStep], judged.problem, judged.log);
    // No verdict is not a failure of the app's, and never a pass: every check, starting included, stays unverified.
    if (judged.noVerdict !== null) {
      return report([...steps, startStep], judged.log, [serverStarts('unverified', judged.noVerdict, judged.log, 'start'), ...notRun(judged.noVerdict)]);
    }
    const judgedReport = finish([...steps, startStep], null, judged.log, [...evaluateChecks(suite, judged.outcomes), ...evaluateCommands(commands, judged.commandOutcomes)]);
    if (!options.restartChecks) return judgedReport;
    const restart = await runRestartChecks({ ...options, suite, workspace, startArgv, auth: credentials.auth, appEnv: credentials.appEnv });
    return { ...judgedReport, restart };
  } finally {
    await removeTree(options.workDir);
  }
}

/** Why the app cannot be started, and the remedy open to whoever reads it. */
function noStartProblem(hasManifest: boolean, canPassStart: boolean): string {
  if (canPassStart) return hasManifest ? 'package.json has no start script; add one or pass --start CMD' : 'the app has no package.json; pass --start CMD to say how it starts';
  const need = 'the app must have a package.json whose "start" script starts the server on PORT (e.g. "start": "node server.js")';
  return hasManifest ? `package.json has no start script: ${need}` : `the app has no package.json: ${need}`;
}

function serverStarts(status: AcceptanceCheckResult['status'], problem: string | null, log: string, step: string): AcceptanceCheckResult {
  return {
    id: 'app.server_starts',
    operationId: '-',
    kind: 'server_starts',
    title: 'the app installs, builds, starts and listens on PORT',
    status,
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
