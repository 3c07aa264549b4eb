import { countRequirements, jobRequirements, type JobRecord } from '../../proto/index.js';
import { cell } from './acceptance-notes.js';

const SHOWN_CHECKS = 4;

/**
 * The requirements section of RESULT.md: every requirement of the blueprint
 * (the prompt's sentences and the spec's operations), its verdict, what
 * checked it and why. Not checkable ones are listed as such, with the reason.
 */
export function requirementNotes(job: JobRecord): string {
  const requirements = jobRequirements(job);
  if (requirements.length === 0) return '## Requirements\n\nThe job has no blueprint, so no requirement was judged.\n';
  const counts = countRequirements(requirements);
  const lines = [
    '## Requirements',
    '',
    `${requirements.length} requirement(s) from the prompt and the spec: **${counts.passed} passed**, ${counts.failed} failed, ${counts.not_checkable} not checkable${counts.pending > 0 ? `, ${counts.pending} pending` : ''}.`,
    '',
    '| id | requirement | verdict | checks | reason |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const r of requirements) {
    const checks = r.checks.length > SHOWN_CHECKS ? `${r.checks.slice(0, SHOWN_CHECKS).join(', ')} and ${r.checks.length - SHOWN_CHECKS} more` : r.checks.join(', ');
    lines.push(`| ${r.id} | ${cell(r.text, 160)} | ${r.verdict.replace('_', ' ')} | ${cell(checks, 200)} | ${cell(r.reason, 400)} |`);
  }
  lines.push('');
  return lines.join('\n');
}
