import type { AcceptanceCheckResult, AcceptanceCheckStatus, CommandCheck } from '../../proto/index.js';
import type { CommandOutcome } from './command-executor.js';

const EXCERPT_CHARS = 600;

/** Judges each command check by its exit code and, when it has one, the pattern its stdout had to match. */
export function evaluateCommands(commands: readonly CommandCheck[], outcomes: readonly CommandOutcome[]): AcceptanceCheckResult[] {
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  return commands.map((check) => commandResult(check, judge(check, byId.get(check.id)), byId.get(check.id)));
}

function judge(check: CommandCheck, outcome: CommandOutcome | undefined): { status: AcceptanceCheckStatus; problem: string | null } {
  if (!outcome) return { status: 'unverified', problem: 'the command was not run' };
  if (outcome.notRun !== null) return { status: 'unverified', problem: outcome.notRun };
  if (outcome.timedOut) return { status: 'failed', problem: `the command did not finish in time (it was killed after ${Math.round(outcome.durationMs)} ms)` };
  if (outcome.exitCode === null) return { status: 'failed', problem: outcome.signal ? `the command was killed by ${outcome.signal}` : 'the command could not be run' };
  if (outcome.exitCode !== check.expectExit) return { status: 'failed', problem: `exited with ${outcome.exitCode}, expected ${check.expectExit}` };
  if (check.stdoutMatches !== null) {
    if (outcome.stdoutMatched === null) return { status: 'unverified', problem: `its output could not be judged: ${outcome.matchProblem ?? 'the pattern was not matched'}` };
    if (!outcome.stdoutMatched) return { status: 'failed', problem: `its output does not match /${check.stdoutMatches}/` };
  }
  return { status: 'passed', problem: null };
}

function commandResult(check: CommandCheck, verdict: { status: AcceptanceCheckStatus; problem: string | null }, outcome: CommandOutcome | undefined): AcceptanceCheckResult {
  return {
    id: check.id,
    operationId: 'command',
    kind: 'command',
    title: check.title,
    status: verdict.status,
    request: null,
    expected: { status: `exit ${check.expectExit}`, contentType: null, schema: null, detail: describeCommand(check) },
    actual: {
      step: 'command',
      status: outcome?.exitCode ?? null,
      contentType: null,
      bodyExcerpt: excerpt(outcome?.output ?? ''),
      schemaErrors: [],
      problem: verdict.problem,
    },
  };
}

/** The check in words, the command included, since a command check has no request to show. */
export function describeCommand(check: CommandCheck): string {
  return `\`${check.command}\` exits ${check.expectExit}${check.stdoutMatches === null ? '' : ` and prints a match of /${check.stdoutMatches}/`}`;
}

/** The end of the output: where a failing command says why. */
function excerpt(output: string): string {
  const flat = output.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `…${flat.slice(-EXCERPT_CHARS)}` : flat;
}

/** A command check that never ran, and why. */
export function commandNotRun(check: CommandCheck, why: string): AcceptanceCheckResult {
  return commandResult(check, { status: 'unverified', problem: why }, undefined);
}
