import { runInNewContext } from 'node:vm';
import type { CommandCheck } from '../../proto/index.js';
import type { SandboxService } from '../sandbox/sandbox.js';

/** Standard output kept for matching; more is cut (and the match runs on the cut text). */
const MAX_STDOUT_CHARS = 64 * 1024;
/** What goes back in the report: the end of the output, enough to see why. */
const EXCERPT_CHARS = 2000;
/** A pattern is model output: one that backtracks for ever is stopped after this long. */
const MATCH_TIMEOUT_MS = 1000;

/** What happened to one command: the raw facts, judged by evaluate-commands.ts. */
export interface CommandOutcome {
  id: string;
  /** Why the command did not run (the run ran out of time, the app was gone); null when it ran. */
  notRun: string | null;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The end of stdout, then of stderr. */
  output: string;
  /** Whether stdout matched `stdoutMatches`; null when there is no pattern or it could not be matched. */
  stdoutMatched: boolean | null;
  /** Why the pattern could not be matched (too slow, or it does not compile). */
  matchProblem: string | null;
  durationMs: number;
}

export interface CommandRunOptions {
  /** The app's folder, where the commands run (as the app's user: they are the app's own tests and scripts). */
  workspace: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** No command starts after this time. */
  deadline: number;
  signal?: AbortSignal;
}

/**
 * Runs each command with `sh -c`, one after another, each in a sandbox of
 * its own beside the running app (its network, nothing else), so the app
 * cannot reach a command or the verdict on it: the exit code and output come
 * from the sandbox, and the pattern is matched here.
 */
export async function runCommandChecks(service: SandboxService, commands: readonly CommandCheck[], options: CommandRunOptions): Promise<CommandOutcome[]> {
  const outcomes: CommandOutcome[] = [];
  for (const command of commands) {
    if (Date.now() > options.deadline) {
      outcomes.push(notRun(command, 'not run: the acceptance run ran out of time'));
      continue;
    }
    outcomes.push(await runOne(service, command, options));
  }
  return outcomes;
}

async function runOne(service: SandboxService, check: CommandCheck, options: CommandRunOptions): Promise<CommandOutcome> {
  const started = Date.now();
  let run;
  try {
    run = await service.runBeside(['sh', '-c', check.command], { workspace: options.workspace, env: options.env, timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    return notRun(check, `not run: ${(error as Error).message}`);
  }
  if (run.aborted) return notRun(check, 'not run: the acceptance run was stopped');
  const stdout = run.stdout.slice(0, MAX_STDOUT_CHARS);
  const output = `${run.stdout}${run.stderr ? `\n${run.stderr}` : ''}`.slice(-EXCERPT_CHARS);
  const killed = run.timedOut || run.oomKilled;
  const match = check.stdoutMatches === null || killed ? { matched: null, problem: null } : matchPattern(check.stdoutMatches, stdout);
  return {
    id: check.id,
    notRun: null,
    exitCode: killed ? null : run.exitCode,
    signal: run.oomKilled ? 'SIGKILL (out of memory)' : null,
    timedOut: run.timedOut,
    output,
    stdoutMatched: match.matched,
    matchProblem: match.problem,
    durationMs: Date.now() - started,
  };
}

const notRun = (check: CommandCheck, why: string): CommandOutcome => ({ id: check.id, notRun: why, exitCode: null, signal: null, timedOut: false, output: '', stdoutMatched: null, matchProblem: null, durationMs: 0 });

function matchPattern(pattern: string, text: string): { matched: boolean | null; problem: string | null } {
  try {
    const matched: unknown = runInNewContext('new RegExp(pattern).test(text)', { pattern, text }, { timeout: MATCH_TIMEOUT_MS });
    return { matched: matched === true, problem: null };
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : null;
    return { matched: null, problem: code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' ? `matching the pattern took longer than ${MATCH_TIMEOUT_MS} ms` : 'the pattern does not compile' };
  }
}
