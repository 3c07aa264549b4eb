import { countRequirements, type RequirementResult } from '../proto/index.js';
import { safeText } from './safe-text.js';

const LABEL: Record<RequirementResult['verdict'], string> = { passed: 'PASS', failed: 'FAIL', not_checkable: 'NOT CHECKABLE', pending: 'PENDING' };

/** The counts of a requirement list in one line: `5 passed, 1 failed, 1 not checkable`. */
export function requirementCounts(results: readonly RequirementResult[]): string {
  const counts = countRequirements(results);
  const parts = [`${counts.passed} passed`, `${counts.failed} failed`, `${counts.not_checkable} not checkable`];
  if (counts.pending > 0) parts.push(`${counts.pending} pending`);
  return parts.join(', ');
}

/**
 * The job's requirements as `status` prints them: one line each, with its
 * verdict and why. The texts are the user's prompt and the reasons may quote
 * the app, so every string goes through safeText.
 */
export function renderRequirements(results: readonly RequirementResult[] | undefined): string[] {
  if (!results || results.length === 0) return [];
  const lines = [`requirements: ${requirementCounts(results)}`];
  for (const r of results) {
    lines.push(`  ${LABEL[r.verdict].padEnd(13)} ${safeText(r.id).padEnd(4)} ${safeText(r.text.slice(0, 90))}${r.text.length > 90 ? '…' : ''}`);
    if (r.verdict !== 'pending') lines.push(`  ${''.padEnd(13)} ${''.padEnd(4)} ${safeText(r.reason.slice(0, 200))}`);
  }
  return lines;
}
