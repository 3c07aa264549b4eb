import type { AcceptanceSummary } from '../proto/index.js';
import { safeText } from './safe-text.js';

/** Rows shown under a job; the rest are in jobs/<id>/acceptance/round-<n>.json. */
const SHOWN_FAILURES = 10;
const LABEL = { failed: 'FAIL', unverified: 'UNVERIFIED' } as const;

/**
 * The latest acceptance round of a job, as `status` and `watch` print it: the
 * counts (unverified apart: it never counts as passed), the project's own
 * tests, and the failures first. Check titles and problems carry the app's
 * answers, so every string goes through safeText.
 */
export function renderAcceptance(summary: AcceptanceSummary | null | undefined): string[] {
  if (!summary) return [];
  const lines = [
    `acceptance, round ${summary.round} on ${safeText(summary.commit.slice(0, 12))}: ${summary.passed} passed, ${summary.failed} failed, ${summary.unverified} unverified of ${summary.total} checks`,
  ];
  if (summary.projectTests) lines.push(`  project tests: ${safeText(summary.projectTests.status)}: ${safeText(summary.projectTests.summary.slice(0, 200))}`);
  const width = Math.min(48, Math.max(0, ...summary.failures.slice(0, SHOWN_FAILURES).map((f) => f.id.length)));
  for (const failure of summary.failures.slice(0, SHOWN_FAILURES)) {
    const label = LABEL[failure.status].padEnd(10);
    lines.push(`  ${label} ${safeText(failure.kind).padEnd(16)} ${safeText(failure.id.slice(0, 48)).padEnd(width)}  ${safeText(failure.problem.slice(0, 160))}`);
  }
  const hidden = summary.failed + summary.unverified - Math.min(SHOWN_FAILURES, summary.failures.length);
  if (hidden > 0) lines.push(`  … ${hidden} more not shown (jobs/<id>/acceptance/round-${summary.round}.json has every check)`);
  return lines;
}
