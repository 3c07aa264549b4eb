import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AcceptanceCheck, AcceptanceCheckResult, AcceptanceStep, AcceptanceSuite, ParamValue } from '../../proto/index.js';
import { emptyActual, evaluateChecks } from './evaluate.js';
import type { CheckOutcome } from './http-executor.js';
import { judgeRunningApp, type JudgeAppOptions } from './judge-app.js';

/** A check cut where its writes end: the writes run before the app restarts, the reads after. */
interface Split {
  check: AcceptanceCheck;
  writes: AcceptanceStep[];
  reads: AcceptanceStep[];
}

const MAX_RESTART_CHECKS = 3;

/**
 * The suite's create-then-read checks (else its create-then-list checks)
 * whose steps are writes followed by reads only: each can be cut in two
 * around a restart of the app. A database requirement asks for them.
 */
export function restartChecksOf(suite: AcceptanceSuite): Split[] {
  const splits = (kind: AcceptanceCheck['kind']) =>
    suite.checks
      .filter((c) => c.kind === kind && c.unverifiable === null)
      .map(splitCheck)
      .filter((s): s is Split => s !== null);
  const picked = splits('create_read');
  return (picked.length > 0 ? picked : splits('list')).slice(0, MAX_RESTART_CHECKS);
}

function splitCheck(check: AcceptanceCheck): Split | null {
  const firstRead = check.steps.findIndex((s) => s.request.method === 'get');
  if (firstRead <= 0) return null;
  const writes = check.steps.slice(0, firstRead);
  const reads = check.steps.slice(firstRead);
  if (reads.some((s) => s.request.method !== 'get')) return null;
  return { check, writes, reads };
}

/** The read steps with the ids captured before the restart written in: the judge after the restart never saw them. */
function withValues(steps: readonly AcceptanceStep[], vars: Record<string, string | number>): AcceptanceStep[] {
  const fill = (params: Record<string, ParamValue>) =>
    Object.fromEntries(Object.entries(params).map(([name, p]) => [name, 'var' in p && vars[p.var] !== undefined ? { value: String(vars[p.var]) } : p]));
  return steps.map((s) => ({ ...s, request: { ...s.request, pathParams: fill(s.request.pathParams), query: fill(s.request.query) } }));
}

export type RestartOptions = Omit<JudgeAppOptions, 'suite' | 'commands'> & { suite: AcceptanceSuite };

/**
 * Data survives a restart: the writes of each chosen check against the app,
 * the app stopped (every process of it dead, its writes kept in its
 * workspace), started again, and the reads sent to the new process. The
 * check is then judged as one sequence, as if nothing had happened between
 * its steps: an app that keeps its data in memory loses it here. Results
 * are named `restart.<check id>`; none when the suite has no such check.
 */
export async function runRestartChecks(options: RestartOptions): Promise<AcceptanceCheckResult[]> {
  const splits = restartChecksOf(options.suite);
  if (splits.length === 0) return [];
  const named = (result: AcceptanceCheckResult, split: Split): AcceptanceCheckResult => ({
    ...result,
    id: `restart.${split.check.id}`,
    title: `${split.check.title}, with the app restarted between the writes and the reads`,
  });
  const notRun = (why: string, status: 'failed' | 'unverified') =>
    splits.map((split) =>
      named({ id: split.check.id, operationId: split.check.operationId, kind: split.check.kind, title: split.check.title, status, request: null, expected: { status: '-', contentType: null, schema: null, detail: 'what was written before the restart is read back after it' }, actual: emptyActual('restart', why) }, split),
    );
  const suiteOf = (checks: AcceptanceCheck[]): AcceptanceSuite => ({ ...options.suite, checks, commands: [] });

  const beforeDir = join(options.workDir, 'restart-before');
  const afterDir = join(options.workDir, 'restart-after');
  await mkdir(beforeDir, { mode: 0o700 });
  await mkdir(afterDir, { mode: 0o700 });
  const before = await judgeRunningApp({ ...options, workDir: beforeDir, suite: suiteOf(splits.map((s) => ({ ...s.check, steps: s.writes }))), commands: [] });
  if (before.problem !== null) return notRun(`the app did not start for the restart check: ${before.problem}`, 'failed');
  if (before.noVerdict !== null) return notRun(before.noVerdict, 'unverified');
  const captured = new Map(before.outcomes.map((o) => [o.id, Object.assign({}, ...o.steps.map((s) => s.captured)) as Record<string, string | number>]));

  const after = await judgeRunningApp({
    ...options,
    workDir: afterDir,
    suite: suiteOf(splits.map((s) => ({ ...s.check, steps: withValues(s.reads, captured.get(s.check.id) ?? {}) }))),
    commands: [],
  });
  if (after.problem !== null) return notRun(`the app did not start again after the restart: ${after.problem}`, 'failed');
  if (after.noVerdict !== null) return notRun(after.noVerdict, 'unverified');

  const merged: CheckOutcome[] = splits.map((s) => ({
    id: s.check.id,
    steps: [...(before.outcomes.find((o) => o.id === s.check.id)?.steps ?? []), ...(after.outcomes.find((o) => o.id === s.check.id)?.steps ?? [])],
  }));
  const results = evaluateChecks(suiteOf(splits.map((s) => s.check)), merged);
  return results.map((result) => named(result, splits.find((s) => s.check.id === result.id) as Split));
}
