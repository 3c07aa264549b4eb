import { describeRule, verdictOf, type RuleResult, type ValidationFailure, type ValidationReport } from '../../../proto/index.js';

/** The issue line of a failed rule; the Master builds the same line, and leaves it out when the report already has it. */
export function ruleIssue(result: RuleResult): string {
  return `rule failed: ${describeRule(result.rule)}: ${result.detail}`;
}

function ruleFailure(result: RuleResult): ValidationFailure {
  const rule = result.rule;
  const file = rule.kind === 'file_exists' || rule.kind === 'json_valid' || rule.kind === 'file_mentions' ? rule.path : null;
  return { stage: 'rule', file, line: null, message: ruleIssue(result), logExcerpt: result.logExcerpt ?? result.detail };
}

/**
 * The issue line with the rule's log indented under it (the failed checks'
 * requests and answers, the failing tests' output), as stage failures carry
 * theirs: a fix task's prompt lists the issues, so this is what it sees.
 */
function issueWithLog(result: RuleResult): string {
  const log = result.logExcerpt && result.logExcerpt !== result.detail ? `\n    ${result.logExcerpt.split('\n').slice(0, 12).join('\n    ')}` : '';
  return `${ruleIssue(result)}${log}`;
}

/**
 * Folds the task's rule results into the pipeline's report. The verdict
 * decides `passed`: every rule passed and no stage failed. A task without
 * rules (null) is unverified, since nothing shows that it works, and a
 * stage or rule that could not run never counts as passed.
 */
export function foldRules(report: ValidationReport, rules: readonly RuleResult[] | null): ValidationReport {
  const results = rules ?? [];
  const anyStageFailed = report.stages ? report.stages.some((s) => s.status === 'failed') : !report.passed;
  const verdict = verdictOf(rules === null ? [] : results.map((r) => r.status), anyStageFailed);
  const failed = results.filter((r) => r.status === 'failed');
  return {
    ...report,
    passed: verdict === 'passed',
    issues: [...report.issues, ...failed.map(issueWithLog)],
    failures: [...(report.failures ?? []), ...failed.map(ruleFailure)],
    rules: [...results],
    verdict,
  };
}
