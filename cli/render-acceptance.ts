import type { AcceptanceSummary } from '../proto/index.js';
import { countsLine, groupBlocked } from './render-report.js';
import { safeText } from './safe-text.js';

/** Rows shown under a job; the rest are in jobs/<id>/acceptance/round-<n>.json. */
const SHOWN_FAILURES = 10;
const LABEL = { failed: 'FAIL', unverified: 'UNVERIFIED' } as const;

/**
 * The latest acceptance round of a job, as `status` and `watch` print it: the
 * counts (blocked and unverified apart: neither counts as passed), the
 * project's own tests, and the failures first, each with how many checks its
 * bug blocked (one bug, one row). Check titles and problems carry the app's
 * answers, so every string goes through safeText.
 */
export function renderAcceptance(summary: AcceptanceSummary | null | undefined): string[] {
  if (!summary) return [];
  const lines = [`acceptance, round ${summary.round} on ${safeText(summary.commit.slice(0, 12))}: ${countsLine(summary)}`];
  if (summary.projectTests) lines.push(`  project tests: ${safeText(summary.projectTests.status)}: ${safeText(summary.projectTests.summary.slice(0, 200))}`);
  const blockedBy = groupBlocked(summary.failures);
  // Blocked checks are listed with their root cause, not as rows of their own.
  const rows = summary.failures.filter((f) => f.status !== 'blocked' || f.rootCause === undefined || !summary.failures.some((r) => r.id === f.rootCause));
  const shown = rows.slice(0, SHOWN_FAILURES);
  const width = Math.min(48, Math.max(0, ...shown.map((f) => f.id.length)));
  for (const failure of shown) {
    const label = (failure.status === 'blocked' ? 'BLOCKED' : LABEL[failure.status]).padEnd(10);
    const problem = failure.status === 'blocked' ? `blocked by ${failure.rootCause ?? 'a failed check'}` : failure.problem;
    lines.push(`  ${label} ${safeText(failure.kind).padEnd(16)} ${safeText(failure.id.slice(0, 48)).padEnd(width)}  ${safeText(problem.slice(0, 160))}`);
    const blocked = blockedBy.get(failure.id) ?? [];
    if (blocked.length > 0) lines.push(`  ${''.padEnd(10)} blocks ${blocked.length}: ${safeText(blocked.join(', ').slice(0, 160))}`);
  }
  const listed = shown.length + shown.reduce((n, f) => n + (blockedBy.get(f.id)?.length ?? 0), 0);
  const hidden = summary.failed + (summary.blocked ?? 0) + summary.unverified - listed;
  if (hidden > 0) lines.push(`  … ${hidden} more not shown (jobs/<id>/acceptance/round-${summary.round}.json has every check)`);
  return lines;
}
