import { isAccepted, type AcceptanceState, type AcceptanceSummary, type JobRecord, type Task, type TaskId, type WireError } from '../proto/index.js';
import type { AcceptanceFix } from './master-types.js';

/** Pure updates of a job record for the integration phase, used by the Master's actions. */

/** A fix task's prompt is read by a model with a bounded context: the problems are cut to fit. */
export const MAX_PROBLEM_CHARS = 2000;
export const MAX_FIX_PROMPT_CHARS = 12_000;
const LISTED_FAILURES = 5;

/** The id of the integration fix task that repairs `owner`'s code after a failed round. */
export const acceptanceFixId = (owner: TaskId, round: number) => `${owner}-accept${round}`;

/** True for a task created by an acceptance round, whose budget is the rounds, not the fix tasks. */
export const isAcceptanceFix = (task: Task) => /-accept\d+$/.test(task.id) && task.fixOf !== null;

/**
 * The record as a round starts: status `integrating`, the round counted.
 * A record that was already integrating (a resumed round) keeps its count.
 */
export function startRound(job: JobRecord, maxRounds: number, resumed: boolean): { job: JobRecord; round: number } {
  const rounds = job.acceptance?.rounds ?? 0;
  const round = resumed ? Math.max(1, rounds) : rounds + 1;
  const acceptance: AcceptanceState = { rounds: round, maxRounds, last: job.acceptance?.last ?? null };
  return { job: { ...job, status: 'integrating', acceptance }, round };
}

export function withSummary(job: JobRecord, summary: AcceptanceSummary): JobRecord {
  const state: AcceptanceState = job.acceptance ?? { rounds: summary.round, maxRounds: summary.round, last: null };
  return { ...job, acceptance: { ...state, last: summary } };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 20)}\n… (${text.length - max + 20} more characters cut)`;
}

/**
 * One task that repairs `owner`'s part of the integrated app: it carries the
 * failing checks (request, expected, actual, the app's log, the test output)
 * and runs with edit blocks allowed, since it changes files that exist.
 */
export function acceptanceFixTask(owner: Task, round: number, problems: readonly string[]): Task {
  const root = owner.fixOf ?? owner.id;
  const listed: string[] = [];
  let size = 0;
  for (const problem of problems) {
    const item = `- ${clip(problem, MAX_PROBLEM_CHARS)}`;
    if (size + item.length > MAX_FIX_PROMPT_CHARS) {
      listed.push(`- … and ${problems.length - listed.length} more failing check(s), cut to fit`);
      break;
    }
    listed.push(item);
    size += item.length + 1;
  }
  // What the owner spent is its own: the fix task starts from nothing.
  const { costUsd: _spent, ...base } = owner;
  return {
    ...base,
    id: acceptanceFixId(owner.id, round),
    description: `Fix the acceptance failures of ${owner.id} (round ${round}): ${owner.description}`.slice(0, 240),
    dependencies: [owner.id],
    priority: Math.min(10, owner.priority + 1),
    attempts: 0,
    status: 'pending',
    assignedWorker: null,
    prompt: `Every task is done, but the integrated app built from main fails its acceptance suite. The failures below are in the part written for "${owner.description.slice(0, 200)}". Change the affected files so that each check passes, changing nothing else; the suite itself is frozen and cannot be edited.\n${listed.join('\n')}`,
    output: null,
    lastError: null,
    failureSignatures: [],
    infrastructureFailures: 0,
    interruptedAttempts: 0,
    fixOf: root,
    tokensUsed: 0,
    inFlightTokens: 0,
  };
}

/** The fix tasks of a failed round, one per known owner; fixes naming no task of the job are dropped. */
export function acceptanceFixTasks(job: JobRecord, round: number, fixes: readonly AcceptanceFix[]): Task[] {
  const made: Task[] = [];
  for (const fix of fixes) {
    const owner = job.tasks.find((t) => t.id === fix.ownerTaskId);
    if (!owner || fix.problems.length === 0) continue;
    const id = acceptanceFixId(owner.id, round);
    if (made.some((t) => t.id === id) || job.tasks.some((t) => t.id === id)) continue;
    made.push(acceptanceFixTask(owner, round, fix.problems));
  }
  return made;
}

/** Why the job ends failed after its last round: what failed, or what could not be checked and what to do. */
export function acceptanceError(summary: AcceptanceSummary, rounds: number): WireError {
  const unmet = (summary.requirements ?? []).filter((r) => r.verdict === 'failed');
  // Every check passed, yet the app is not what was asked for (another language, framework or store).
  if (unmet.length > 0 && isAccepted(summary)) {
    return {
      code: 'requirements_failed',
      message: `the app passed its ${summary.total} acceptance checks, but ${unmet.length} requirement(s) of the prompt are not met after ${rounds} round(s): ${unmet.slice(0, LISTED_FAILURES).map((r) => `${r.id} "${r.text.slice(0, 80)}": ${r.reason}`).join('; ')}`.slice(0, 2000),
      data: summary,
    };
  }
  const failed = summary.failures.filter((f) => f.status === 'failed');
  const testsFailed = summary.projectTests?.status === 'failed';
  const listed = (items: typeof summary.failures) =>
    items
      .slice(0, LISTED_FAILURES)
      .map((f) => `${f.id}: ${f.problem}`)
      .join('; ');
  if (summary.failed > 0 || testsFailed) {
    const tests = `${testsFailed ? `; the project's own tests failed: ${summary.projectTests?.summary ?? ''}` : ''}${unmet.length > 0 ? `; requirements not met: ${unmet.map((r) => r.id).join(', ')}` : ''}`;
    const blocked = summary.blocked ? ` (${summary.blocked} more blocked by them)` : '';
    return {
      code: 'acceptance_failed',
      message: `${summary.failed} of ${summary.total} acceptance checks failed after ${rounds} round(s)${blocked}${failed.length > 0 ? `: ${listed(failed)}` : ''}${tests}`.slice(0, 2000),
      data: summary,
    };
  }
  const unverified = summary.failures.filter((f) => f.status === 'unverified');
  const tests = summary.projectTests?.status === 'unverified' ? `; the project's own tests could not run: ${summary.projectTests.summary}` : '';
  const why = summary.total === 0 ? 'the job has no acceptance checks' : `${summary.unverified} of ${summary.total} acceptance checks could not run`;
  return {
    code: 'unverified',
    message: `nothing failed, but the app is not shown to work: ${why}${unverified.length > 0 ? ` (${listed(unverified)})` : ''}${tests}. Install bubblewrap or Docker so the sandbox can run the app (see autodev doctor), or give the job an OpenAPI spec so it has a suite, then resubmit.`.slice(0, 2000),
    data: summary,
  };
}
