import { anyRequirementFailed, type AcceptanceSummary } from '../proto/index.js';
import type { MasterNotice } from './master-types.js';

/** True when no requirement of the round failed (not checkable ones are listed as such, and do not block completion). */
export function meetsEveryRequirement(summary: AcceptanceSummary): boolean {
  return !anyRequirementFailed(summary.requirements);
}

/** The round's requirement verdicts as an event; null for a round that judged none (a job with no blueprint). */
export function requirementsNotice(jobId: string, summary: AcceptanceSummary): MasterNotice | null {
  if (!summary.requirements || summary.requirements.length === 0) return null;
  return { type: 'job.requirements', jobId, round: summary.round, requirements: summary.requirements };
}
