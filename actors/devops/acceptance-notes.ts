import type { AcceptanceState } from '../../proto/index.js';

/** A table cell: the app's answers end up here, so no pipe, newline or HTML may shape the page. */
const cell = (text: string) => text.replace(/[|\s]+/g, ' ').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).slice(0, 200);

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
    `Round ${last.round} of at most ${state.maxRounds}, on commit \`${last.commit}\`: **${last.passed} of ${last.total} checks passed**, ${last.failed} failed, ${last.unverified} unverified.${tests}`,
    '',
  ];
  if (last.failures.length > 0) {
    lines.push('| check | kind | status | problem |', '| --- | --- | --- | --- |');
    for (const f of last.failures) lines.push(`| ${cell(f.id)} | ${f.kind} | ${f.status} | ${cell(f.problem)} |`);
    lines.push('');
  }
  lines.push(`Every check's request and answer: \`jobs/<id>/acceptance/round-${last.round}.json\` in the daemon's home.`, '');
  return lines.join('\n');
}
