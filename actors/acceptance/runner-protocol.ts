// Shared by the daemon and the in-sandbox runner: types and constants only,
// so the runner (which may import only node: builtins) can use it too.
import type { AcceptanceCheck, CommandCheck } from '../../proto/index.js';
import type { CommandOutcome } from './command-executor.js';
import type { CheckOutcome } from './http-executor.js';

/** Starts the line that carries the runner's result on stdout; the app's own output never reaches that stream. */
export const RESULT_MARKER = 'AUTODEV-ACCEPTANCE-RESULT ';
/** The folder in the app's copy that holds the runner and its plan. */
export const RUNNER_DIR = '.autodev-acceptance';

export interface RunnerPlan {
  checks: AcceptanceCheck[];
  /** A shell command (`--start CMD`); null runs startArgv, or `npm start` without one. */
  start: string | null;
  /**
   * The start script as an argv, spawned without npm or a shell, when it is
   * plain `node …` and npm would add nothing (see
   * actors/validation/direct-script.ts): npm's start-up is 250-300 ms of CPU
   * on each acceptance run. Absent or null runs `npm start`; unused when
   * start is set.
   */
  startArgv?: string[] | null;
  startTimeoutMs: number;
  requestTimeoutMs: number;
  /** How long the checks may take in all, once the app listens. */
  checksTimeoutMs: number;
  /** Run after the HTTP checks, while the app still runs. */
  commands: CommandCheck[];
  /** Each command's own limit; the group it started is killed at it. */
  commandTimeoutMs: number;
}

export interface RunnerResult {
  started: boolean;
  /** Why the app is not listening, when it is not. */
  problem: string | null;
  port: number;
  startMs: number;
  /** The end of the app's stdout and stderr, interleaved. */
  log: string;
  outcomes: CheckOutcome[];
  commandOutcomes: CommandOutcome[];
}
