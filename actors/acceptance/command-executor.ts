// Runs inside the sandbox, copied into the app's folder beside
// in-sandbox-runner.js: it may import only node: builtins and types.
import { spawn } from 'node:child_process';
import { runInNewContext } from 'node:vm';
import type { CommandCheck } from '../../proto/index.js';

/** Standard output kept for matching; more is cut (and the match runs on the cut text). */
const MAX_STDOUT_CHARS = 64 * 1024;
/** What goes back in the report: the end of the output, enough to see why. */
const EXCERPT_CHARS = 2000;
/** A pattern is model output: one that backtracks for ever is stopped here, not in the daemon. */
const MATCH_TIMEOUT_MS = 1000;

/** What happened to one command: the raw facts, judged in the daemon. */
export interface CommandOutcome {
  id: string;
  /** Why the command did not run (the run ran out of time); null when it ran. */
  notRun: string | null;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The end of stdout and stderr, interleaved as they came. */
  output: string;
  /** Whether stdout matched `stdoutMatches`; null when there is no pattern or it could not be matched. */
  stdoutMatched: boolean | null;
  /** Why the pattern could not be matched (too slow, or it does not compile here). */
  matchProblem: string | null;
  durationMs: number;
}

export interface CommandRunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** No command starts after this time. */
  deadline: number;
}

/** Runs each command with `sh -c` in `cwd`, one after another, each in its own process group, killed whole at its timeout. */
export async function runCommandChecks(commands: readonly CommandCheck[], options: CommandRunOptions): Promise<CommandOutcome[]> {
  const outcomes: CommandOutcome[] = [];
  for (const command of commands) {
    if (Date.now() > options.deadline) {
      outcomes.push({ id: command.id, notRun: 'not run: the acceptance run ran out of time', exitCode: null, signal: null, timedOut: false, output: '', stdoutMatched: null, matchProblem: null, durationMs: 0 });
      continue;
    }
    outcomes.push(await runOne(command, options));
  }
  return outcomes;
}

async function runOne(check: CommandCheck, options: CommandRunOptions): Promise<CommandOutcome> {
  const started = Date.now();
  let stdout = '';
  let output = '';
  const child = spawn('sh', ['-c', check.command], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (stdout.length < MAX_STDOUT_CHARS) stdout = (stdout + text).slice(0, MAX_STDOUT_CHARS);
    output = (output + text).slice(-EXCERPT_CHARS);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-EXCERPT_CHARS);
  });
  let timedOut = false;
  const killGroup = () => {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('error', (error) => {
      output = `${output}\ncould not run sh: ${error.message}`.slice(-EXCERPT_CHARS);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
  });
  clearTimeout(timer);
  // Whatever the command left running in the background goes with it; then the rest of its output arrives.
  killGroup();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
  const match = check.stdoutMatches === null ? { matched: null, problem: null } : matchPattern(check.stdoutMatches, stdout);
  return { id: check.id, notRun: null, exitCode: code, signal, timedOut, output, stdoutMatched: match.matched, matchProblem: match.problem, durationMs: Date.now() - started };
}

function matchPattern(pattern: string, text: string): { matched: boolean | null; problem: string | null } {
  try {
    const matched: unknown = runInNewContext('new RegExp(pattern).test(text)', { pattern, text }, { timeout: MATCH_TIMEOUT_MS });
    return { matched: matched === true, problem: null };
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : null;
    return { matched: null, problem: code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' ? `matching the pattern took longer than ${MATCH_TIMEOUT_MS} ms` : 'the pattern does not compile' };
  }
}
