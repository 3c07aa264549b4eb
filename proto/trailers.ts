import type { RuleStatus, Verdict } from './rules.js';

/**
 * The trailers at the end of a task's commit message. Tools, tests and crash
 * recovery map commits back to tasks through them, so they are written and
 * parsed here only.
 */
export interface TaskTrailers {
  Job: string;
  Task: string;
  Role: string;
  Attempt: string;
  /** `passed`, or `<n> issue(s)`: what validating this commit's own tree found. */
  Validation: string;
}

const TRAILER_ORDER: ReadonlyArray<keyof TaskTrailers> = ['Job', 'Task', 'Role', 'Attempt', 'Validation'];

export function formatTrailers(trailers: TaskTrailers): string {
  return TRAILER_ORDER.map((key) => `${key}: ${trailers[key].replace(/\s+/g, ' ')}`).join('\n');
}

/** Reads `Key: value` trailers from the end of a commit message. */
export function parseTrailers(message: string): Record<string, string> {
  const trailers: Record<string, string> = {};
  for (const line of message.trimEnd().split('\n').reverse()) {
    const match = /^([A-Za-z-]+): (.+)$/.exec(line);
    if (!match) break;
    trailers[match[1] as string] = match[2] as string;
  }
  return trailers;
}

/** `rules 2/3 passed, 1 unverified`: every rule counted, so an unverified one is never hidden inside a pass. */
export function ruleTally(rules: readonly { status: RuleStatus }[]): string {
  if (rules.length === 0) return 'no executable rules';
  const passed = rules.filter((r) => r.status === 'passed').length;
  const failed = rules.filter((r) => r.status === 'failed').length;
  const unverified = rules.filter((r) => r.status === 'unverified').length;
  return `rules ${passed}/${rules.length} passed${failed ? `, ${failed} failed` : ''}${unverified ? `, ${unverified} unverified` : ''}`;
}

/**
 * `passed; rules 3/3 passed`, `unverified; rules 1/2 passed, 1 unverified`,
 * `failed, 2 issue(s); rules 0/1 passed, 1 failed`. Reports from before
 * executable rules (no verdict) keep the old `passed` / `<n> issue(s)`.
 */
export function validationTrailer(report: { passed: boolean; issues: readonly unknown[]; verdict?: Verdict | undefined; rules?: readonly { status: RuleStatus }[] | undefined }): string {
  if (!report.verdict) return report.passed ? 'passed' : `${report.issues.length} issue(s)`;
  const head = report.verdict === 'failed' ? `failed, ${report.issues.length} issue(s)` : report.verdict;
  return `${head}; ${ruleTally(report.rules ?? [])}`;
}
