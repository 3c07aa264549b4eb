import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import type { AcceptanceSuite, CommandCheck, JudgeAuth } from '../../proto/index.js';
import { SandboxError } from '../sandbox/errors.js';
import type { Sandbox, SandboxResult } from '../sandbox/sandbox.js';
import { excerpt } from '../sandbox-app/excerpt.js';
import { runCommandChecks, type CommandOutcome } from './command-executor.js';
import type { CheckOutcome } from './http-executor.js';
import { PLAN_FILE, RUNNER_ENTRY, writeJudge } from './runner-files.js';
import type { JudgePlan } from './runner-protocol.js';
import { parseJudgeRun } from './runner-result.js';

/** After the app ends, the judge gets this long to finish the checks it is on (they fail fast with nothing listening). */
const APP_GONE_GRACE_MS = 2000;

export interface JudgeAppOptions {
  sandbox: Sandbox;
  /** The app's installed and built copy. */
  workspace: string;
  /** A private folder of the daemon's; the judge's own folder is made in it. */
  workDir: string;
  suite: AcceptanceSuite;
  startArgv: string[];
  commands: readonly CommandCheck[];
  startTimeoutMs?: number;
  requestTimeoutMs?: number;
  checksTimeoutMs?: number;
  commandTimeoutMs?: number;
  signal?: AbortSignal;
  /** Environment variables the app is started with besides PORT, HOST and APP_URL, which always win (a job's test credentials). */
  appEnv?: Record<string, string>;
  /** The credentials the suite's steps name, written into the judge's plan only. */
  auth?: JudgeAuth;
}

export interface JudgedApp {
  /** Why the app counts as not started (it never listened, or it exited first); null when it listened. */
  problem: string | null;
  /** Why there is no verdict although nothing shows the app failed (the judge itself did not finish); null when there is one. */
  noVerdict: string | null;
  /** Set when the app ignored PORT and the judge found the port it listens on. */
  portNote: string | null;
  startMs: number;
  /** The end of the app's own output. */
  log: string;
  outcomes: CheckOutcome[];
  commandOutcomes: CommandOutcome[];
}

/**
 * Starts the app as a sandbox service and judges it from outside: the judge
 * runs in a sandbox of its own that joins only the app's network namespace,
 * as a uid the app never has, reading a plan from a folder the app never
 * sees, and printing its verdict on a stdout only it holds. So the app can
 * neither find the judge (another pid namespace), signal or trace it
 * (another uid), nor write its result (no shared descriptor or file), and
 * whatever the judge prints counts only when it exited 0 on its own.
 * Command checks run beside the app too, each in a sandbox of its own.
 */
export async function judgeRunningApp(options: JudgeAppOptions): Promise<JudgedApp> {
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const checksTimeoutMs = options.checksTimeoutMs ?? 120_000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 30_000;
  // The network namespace is the app's alone, so any port is free; a high one avoids the ports apps hard-code.
  const port = randomInt(20_000, 40_000);
  const plan: JudgePlan = {
    checks: options.suite.checks.filter((c) => c.unverifiable === null),
    port,
    startTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    checksTimeoutMs,
    ...(options.auth ? { auth: options.auth } : {}),
  };
  const judgeDir = join(options.workDir, 'judge');
  await writeJudge(judgeDir, plan);
  const env = { ...options.appEnv, PORT: String(port), HOST: '127.0.0.1', APP_URL: `http://127.0.0.1:${port}` };
  const judgeTimeoutMs = startTimeoutMs + checksTimeoutMs + 10_000;
  const serviceTimeoutMs = judgeTimeoutMs + options.commands.length * commandTimeoutMs + 15_000;
  const signal = options.signal ? { signal: options.signal } : {};
  const started = performance.now();
  const service = await options.sandbox.start(options.startArgv, { workspace: options.workspace, env, timeoutMs: serviceTimeoutMs, ...signal });
  // A holder, not a variable: the callback below sets it, and a plain `let` would read as never set.
  const app: { ended: SandboxResult | null } = { ended: null };
  const judgeStop = new AbortController();
  let grace: NodeJS.Timeout | undefined;
  service.ended.then(
    (result) => {
      app.ended = result;
      grace = setTimeout(() => judgeStop.abort(), APP_GONE_GRACE_MS);
    },
    () => judgeStop.abort(),
  );
  let verdict: Omit<JudgedApp, 'log'>;
  let appRun: SandboxResult | SandboxError;
  try {
    const judgeSignal = options.signal ? AbortSignal.any([options.signal, judgeStop.signal]) : judgeStop.signal;
    const judgeRun = await service.runBeside(['node', RUNNER_ENTRY, PLAN_FILE], { as: 'judge', workspace: judgeDir, timeoutMs: judgeTimeoutMs, signal: judgeSignal }).catch((error: unknown) => {
      // The sandbox could not run the judge apart from the app (a bubblewrap daemon that is not root): no verdict, never a pass.
      if (error instanceof SandboxError) return error.message;
      throw error;
    });
    clearTimeout(grace);
    const result = typeof judgeRun === 'string' ? judgeRun : parseJudgeRun(judgeRun);
    const elapsed = Math.round(performance.now() - started);
    const gone = app.ended;
    if (typeof result === 'string') {
      verdict = gone
        ? // A judge that was checking finishes within the grace (nothing listens: each request fails at once); one that did not was still waiting for the port.
          { problem: `the app ${howItEnded(gone)} before listening on PORT=${port}`, noVerdict: null, portNote: null, startMs: elapsed, outcomes: [], commandOutcomes: [] }
        : { problem: null, noVerdict: options.signal?.aborted ? 'the acceptance run was cancelled' : `no verdict: ${result}`, portNote: null, startMs: elapsed, outcomes: [], commandOutcomes: [] };
    } else if (!result.listening) {
      verdict = { problem: gone ? `the app ${howItEnded(gone)} before listening on PORT=${port}` : result.problem ?? 'the app did not listen', noVerdict: null, portNote: null, startMs: result.startMs, outcomes: [], commandOutcomes: [] };
    } else {
      const commandOutcomes = await runCommandChecks(service, options.commands, { workspace: options.workspace, env: { ...env, PORT: String(result.port), APP_URL: `http://127.0.0.1:${result.port}` }, timeoutMs: commandTimeoutMs, deadline: Date.now() + options.commands.length * commandTimeoutMs, ...signal });
      verdict = { problem: null, noVerdict: null, portNote: result.portNote, startMs: result.startMs, outcomes: result.outcomes, commandOutcomes };
    }
  } finally {
    clearTimeout(grace);
    appRun = await service.stop().catch((error: unknown) => {
      // The app filled its disk: that is the app's failure, whatever the judge saw; its writes are gone with its volume.
      if (error instanceof SandboxError && error.code === 'sandbox_disk_limit') return error;
      throw error;
    });
  }
  if (appRun instanceof SandboxError) return { ...verdict, problem: appRun.message, noVerdict: null, log: '' };
  return { ...verdict, log: excerpt(`${appRun.stdout}\n${appRun.stderr}`, 40, 4000) };
}

function howItEnded(run: SandboxResult): string {
  if (run.timedOut) return 'ran out of time';
  if (run.oomKilled) return 'ran out of memory';
  return run.exitCode > 128 ? `was killed (exit ${run.exitCode})` : `exited with code ${run.exitCode}`;
}
