import type { AcceptanceCheck, AcceptanceCheckKind, AcceptanceCheckResult, AcceptanceReport, AcceptanceSuite, RuleResult } from '../../../proto/index.js';
import { acceptApp } from '../../acceptance/app-runner.js';
import type { RuleContext, RuleOf } from './rule-context.js';
import { NO_SANDBOX, ruleResult } from './rule-result.js';

export type AppRule = RuleOf<'server_starts'> | RuleOf<'http'>;

/**
 * The checks an http rule runs: an operation's own call and its negative
 * cases. Sequences (create then read, list, update, delete) span several
 * operations, often of several tasks, so only the job's acceptance phase
 * judges them.
 */
export const HTTP_RULE_KINDS: ReadonlySet<AcceptanceCheckKind> = new Set(['operation', 'missing_required', 'wrong_type', 'constraint', 'malformed_json', 'unknown_id', 'no_credentials']);

/**
 * acceptApp does not start an app it has nothing to check against, so that
 * a lone start never reads as an accepted app. A task whose rules only ask
 * whether the app starts sends this check along: declared unverifiable, it
 * sends no request, and the report keeps it unverified (it decides no rule).
 */
const START_ONLY: AcceptanceCheck = {
  id: 'rule.start_only',
  operationId: '-',
  kind: 'operation',
  title: 'no request: the rule asks only whether the app starts',
  steps: [],
  unverifiable: 'no request is sent: the rule asks only whether the app starts',
};

const START_ONLY_SUITE: AcceptanceSuite = { type: 'acceptance.suite', title: 'the app starts', checks: [START_ONLY], commands: [], schemas: {}, dialect: '2020-12' };

const startsResult = (report: AcceptanceReport) => report.checks.find((c) => c.kind === 'server_starts' && c.id !== START_ONLY.id);

/** Why an http rule cannot run before the app is started, or null when it can. */
function httpBlocker(rule: RuleOf<'http'>, suite: AcceptanceSuite | null, suiteProblem: string | undefined): string | null {
  if (!suite) return suiteProblem ?? 'the job has no acceptance suite to take the checks of these operations from';
  const known = new Set(suite.checks.map((c) => c.operationId));
  const unknown = rule.operationIds.filter((id) => !known.has(id));
  if (unknown.length > 0) return `the acceptance suite has no operation ${unknown.join(', ')}`;
  const bare = rule.operationIds.filter((id) => !suite.checks.some((c) => c.operationId === id && HTTP_RULE_KINDS.has(c.kind)));
  if (bare.length > 0) return `the acceptance suite has no operation-level checks for ${bare.join(', ')}`;
  return null;
}

function checkLine(c: AcceptanceCheckResult): string {
  const request = c.request ? `${c.request.method} ${c.request.path}` : '-';
  const schema = c.actual.schemaErrors.length > 0 ? `\n  schema: ${c.actual.schemaErrors.slice(0, 5).join('; ')}` : '';
  const body = c.actual.bodyExcerpt ? `\n  body: ${c.actual.bodyExcerpt}` : '';
  return `${c.id} (${c.kind}): ${request} expected ${c.expected.status}, got ${c.actual.status ?? 'no answer'}: ${c.actual.problem ?? ''}${schema}${body}`;
}

function judgeHttp(rule: RuleOf<'http'>, report: AcceptanceReport, started: number): RuleResult {
  const ops = new Set(rule.operationIds);
  const starts = startsResult(report);
  if (starts?.status !== 'passed') {
    return ruleResult(rule, 'failed', `the app did not start, so no check of ${rule.operationIds.join(', ')} could run: ${starts?.actual.problem ?? 'no result'}`, started, report.app?.logExcerpt);
  }
  const mine = report.checks.filter((c) => ops.has(c.operationId) && HTTP_RULE_KINDS.has(c.kind));
  // A blocked check waits on a failed one of the same run: it fails the rule with it, never passes it.
  const failed = mine.filter((c) => c.status === 'failed' || c.status === 'blocked');
  if (failed.length > 0) {
    const named = failed.slice(0, 6).map((c) => `${c.id}: ${c.actual.problem ?? 'failed'}`).join('; ');
    return ruleResult(rule, 'failed', `${failed.length} of ${mine.length} check(s) failed: ${named}${failed.length > 6 ? '; …' : ''}`, started, failed.slice(0, 10).map(checkLine).join('\n'));
  }
  const unverified = mine.filter((c) => c.status === 'unverified');
  if (unverified.length > 0) {
    return ruleResult(rule, 'unverified', `${unverified.length} of ${mine.length} check(s) could not run: ${unverified.slice(0, 6).map((c) => `${c.id} (${c.actual.problem ?? 'unverified'})`).join('; ')}`, started);
  }
  return ruleResult(rule, 'passed', `${mine.length} check(s) of ${rule.operationIds.join(', ')} passed`, started);
}

/**
 * server_starts and http rules share one start of the app: one acceptApp run
 * (install, build, start, then every selected check from inside the
 * sandbox), whose server_starts result and check results decide each rule.
 */
export async function evaluateAppRules(rules: readonly AppRule[], ctx: RuleContext): Promise<RuleResult[]> {
  // One shared run: each rule reports the whole run's time, since none of them could have had it cheaper.
  const started = performance.now();
  if (rules.length === 0) return [];
  if (!ctx.sandbox) return rules.map((rule) => ruleResult(rule, 'unverified', NO_SANDBOX, started));
  const blocked = new Map<AppRule, string>();
  const operations = new Set<string>();
  for (const rule of rules) {
    if (rule.kind !== 'http') continue;
    const why = httpBlocker(rule, ctx.suite, ctx.suiteProblem);
    if (why) blocked.set(rule, why);
    else for (const id of rule.operationIds) operations.add(id);
  }
  const runnable = rules.filter((r) => !blocked.has(r));
  let report: AcceptanceReport | null = null;
  if (runnable.length > 0) {
    // Command checks belong to the acceptance phase; a rule names operations only.
    const suite: AcceptanceSuite =
      ctx.suite && operations.size > 0
        ? { ...ctx.suite, checks: ctx.suite.checks.filter((c) => operations.has(c.operationId) && HTTP_RULE_KINDS.has(c.kind)), commands: [] }
        : START_ONLY_SUITE;
    report = await acceptApp({
      sandbox: ctx.sandbox,
      appDir: ctx.workspace,
      workDir: ctx.scratchDir,
      suite,
      installTimeoutMs: ctx.timeouts.installMs,
      buildTimeoutMs: ctx.timeouts.buildMs,
      startTimeoutMs: ctx.timeouts.startMs,
      checksTimeoutMs: ctx.timeouts.checksMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.depsCache ? { depsCache: ctx.depsCache } : {}),
    });
    ctx.signal?.throwIfAborted();
  }
  return rules.map((rule) => {
    const why = blocked.get(rule);
    if (why !== undefined || !report) return ruleResult(rule, 'unverified', why ?? 'the app was not run', started);
    if (rule.kind === 'http') return judgeHttp(rule, report, started);
    const starts = startsResult(report);
    const log = report.app?.logExcerpt;
    if (starts?.status === 'passed') {
      const steps = report.app?.steps.map((s) => `${s.name} ${s.status}`).join(', ') ?? '';
      return ruleResult(rule, 'passed', `the app started and listened on PORT (${steps})`, started);
    }
    return ruleResult(rule, 'failed', `the app did not start: ${starts?.actual.problem ?? 'no result'}`, started, log);
  });
}
