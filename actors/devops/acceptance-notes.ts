import type { AcceptanceState } from '../../proto/index.js';

/** A table cell: the app's answers end up here, so no pipe, newline or HTML may shape the page. */
export const cell = (text: string, max = 200) => text.replace(/[|\s]+/g, ' ').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).slice(0, max);

/**
 * The acceptance section of RESULT.md: what the integration phase showed about
 * the app built from main. Unverified checks are listed as such, never counted
 * with the passed ones.
 */
export function acceptanceNotes(state: AcceptanceState | null): string {
  const last = state?.last;
  if (!state || !last) {
    return '## Acceptance\n\nNo acceptance run is recorded for this job: nothing here shows that the app works. Check it with `autodev accept APP_DIR --spec FILE`.\n';
  }
  const tests = last.projectTests ? ` Project tests: ${last.projectTests.status} (${cell(last.projectTests.summary)}).` : ' The project has no tests of its own.';
  const lines = [
    '## Acceptance',
    '',
    `Round ${last.round} of at most ${state.maxRounds}, on commit \`${last.commit}\`: **${last.passed} of ${last.total} checks passed**, ${last.failed} failed, ${last.blocked ? `${last.blocked} blocked by those failures, ` : ''}${last.unverified} unverified.${tests}`,
    '',
  ];
  if (last.failures.length > 0) {
    // Grouped by root cause: a failure's row names the checks its bug blocked, which get no row of their own.
    const blockedBy = new Map<string, string[]>();
    for (const f of last.failures) if (f.status === 'blocked' && f.rootCause) blockedBy.set(f.rootCause, [...(blockedBy.get(f.rootCause) ?? []), f.id]);
    const grouped = (f: (typeof last.failures)[number]) => f.status === 'blocked' && f.rootCause !== undefined && last.failures.some((r) => r.id === f.rootCause);
    lines.push('| check | kind | status | problem | blocks |', '| --- | --- | --- | --- | --- |');
    for (const f of last.failures.filter((x) => !grouped(x))) {
      const blocked = blockedBy.get(f.id) ?? [];
      lines.push(`| ${cell(f.id)} | ${f.kind} | ${f.status} | ${cell(f.problem)} | ${blocked.length > 0 ? cell(`${blocked.length}: ${blocked.join(', ')}`) : ''} |`);
    }
    lines.push('');
  }
  // RESULT.md travels in the export's artifacts folder, and the round reports with it: point there, not into the daemon's home.
  lines.push(`Every check's request and answer: \`acceptance/round-${last.round}.json\` beside this file (\`autodev result\` exports every round).`);
  lines.push('Check the app again with the same checks: `autodev accept APP_DIR --suite artifacts/acceptance/suite.json` (exported by `autodev result`).', '');
  return lines.join('\n');
}
