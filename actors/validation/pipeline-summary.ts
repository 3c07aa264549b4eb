import { ruleTally, type ValidationReport } from '../../proto/index.js';

/**
 * `syntax passed, unit_tests failed, coverage unverified; rules 2/3 passed,
 * 1 unverified; verdict unverified`: the commit message's Checks line.
 * Apart from pipeline.ts, so the integration engine names a report without
 * importing the stages (TypeScript, secretlint) that make one.
 */
export function pipelineSummary(report: Pick<ValidationReport, 'stages' | 'passed' | 'issues' | 'rules' | 'verdict'>): string {
  const parts: string[] = [];
  if (report.stages?.length) parts.push(report.stages.map((s) => `${s.stage} ${s.status}`).join(', '));
  if (report.verdict) parts.push(ruleTally(report.rules ?? []), `verdict ${report.verdict}`);
  if (parts.length === 0) return report.passed ? 'passed' : `${report.issues.length} issue(s)`;
  return parts.join('; ');
}
