import type { AcceptanceCheckResult, AcceptanceReport } from '../proto/index.js';

const MARK: Record<AcceptanceCheckResult['status'], string> = { passed: 'pass', failed: 'FAIL', blocked: 'BLKD', unverified: 'n/a ' };

/**
 * `autodev accept`'s table: one row per check, then what a fix needs for each
 * failure, each with the checks its bug blocked (grouped by root cause, so
 * one bug reads as one failure), then the counts.
 */
export function renderReport(report: AcceptanceReport): string[] {
  const lines: string[] = [];
  const idWidth = Math.min(48, Math.max(...report.checks.map((c) => c.id.length), 5));
  lines.push(`${'     '} ${'KIND'.padEnd(16)} ${'CHECK'.padEnd(idWidth)} PROBLEM`);
  for (const check of report.checks) {
    const problem = check.status === 'passed' ? '' : check.status === 'blocked' ? `blocked by ${check.rootCause ?? 'a failed check'}` : (check.actual.problem ?? '');
    lines.push(`${MARK[check.status]}  ${check.kind.padEnd(16)} ${check.id.padEnd(idWidth)} ${problem}`.trimEnd());
  }
  const blockedBy = groupBlocked(report.checks);
  for (const check of report.checks.filter((c) => c.status === 'failed')) {
    lines.push('', `${check.id}: ${check.title}`);
    if (check.request) lines.push(`  request:  ${check.request.method} ${check.request.path}${check.request.body === undefined ? '' : ` ${clip(JSON.stringify(check.request.body))}`}`);
    if (check.request?.credentials) lines.push(`  sent with ${check.request.credentials.join(', ')}`);
    lines.push(`  expected: ${check.expected.status}${check.expected.contentType ? ` ${check.expected.contentType}` : ''}${check.expected.schema ? `, schema ${check.expected.schema}` : ''} (${check.expected.detail})`);
    lines.push(`  actual:   ${check.actual.status ?? 'no answer'} at step "${check.actual.step}": ${check.actual.problem ?? ''}`);
    for (const error of check.actual.schemaErrors) lines.push(`            ${error}`);
    if (check.actual.bodyExcerpt) lines.push(`  body:     ${clip(check.actual.bodyExcerpt)}`);
    const blocked = blockedBy.get(check.id) ?? [];
    if (blocked.length > 0) lines.push(`  blocks:   ${blocked.length} check(s) that need it: ${clip(blocked.join(', '))}`);
  }
  const starts = report.checks.find((c) => c.kind === 'server_starts');
  if (starts?.status === 'failed' && report.app?.logExcerpt) lines.push('', 'app log (end):', ...report.app.logExcerpt.split('\n').map((l) => `  ${l}`));
  const sandbox = report.app ? `sandbox: ${report.app.sandbox}, ` : '';
  lines.push('', `${countsLine(report)} (${sandbox}${(report.durationMs / 1000).toFixed(1)} s)`);
  return lines;
}

/** "9 passed, 1 failed, 15 blocked, 0 unverified of 25 checks"; blocked is named only when a check was. */
export function countsLine(counts: { passed: number; failed: number; blocked?: number; unverified: number; total: number }): string {
  const blocked = counts.blocked ? `${counts.blocked} blocked, ` : '';
  return `${counts.passed} passed, ${counts.failed} failed, ${blocked}${counts.unverified} unverified of ${counts.total} checks`;
}

/** The ids of blocked checks, by the failed check they wait on. */
export function groupBlocked(checks: ReadonlyArray<{ id: string; status: string; rootCause?: string | undefined }>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const check of checks) {
    if (check.status !== 'blocked' || check.rootCause === undefined) continue;
    groups.set(check.rootCause, [...(groups.get(check.rootCause) ?? []), check.id]);
  }
  return groups;
}

const clip = (text: string) => (text.length > 200 ? `${text.slice(0, 197)}...` : text);
