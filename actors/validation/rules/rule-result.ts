import type { RuleResult, RuleStatus, ValidationRule } from '../../../proto/index.js';

const MAX_DETAIL = 600;
const MAX_LOG = 4000;

/** A rule's result; the detail is one line (a fix task reads it as one), the log bounded. */
export function ruleResult(rule: ValidationRule, status: RuleStatus, detail: string, startedAt: number, logExcerpt?: string): RuleResult {
  const line = detail.replace(/\s+/g, ' ').trim();
  return {
    rule,
    status,
    detail: line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL - 1)}…` : line,
    durationMs: Math.max(0, Math.round(performance.now() - startedAt)),
    ...(logExcerpt && logExcerpt.trim() ? { logExcerpt: logExcerpt.length > MAX_LOG ? logExcerpt.slice(-MAX_LOG) : logExcerpt } : {}),
  };
}

export const NO_SANDBOX = 'no sandbox backend is available, and generated code is never run outside one';
