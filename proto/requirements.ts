import { z } from 'zod';

/**
 * What became of each of the blueprint's requirements (the prompt's
 * sentences and the spec's operations): checked and passed, checked and
 * failed, or not checkable, with the reason. `pending` only while the job has
 * not yet been judged; a job is `completed` only when none failed.
 */
export const RequirementVerdict = z.enum(['passed', 'failed', 'not_checkable', 'pending']);
export type RequirementVerdict = z.infer<typeof RequirementVerdict>;

export const RequirementResult = z.object({
  /** r1, r2, … in the blueprint's order. */
  id: z.string().regex(/^r\d+$/),
  text: z.string(),
  verdict: RequirementVerdict,
  /** What decided it: acceptance check ids, requirement check ids (`stack.language`, `app.restart`), rule names. */
  checks: z.array(z.string()),
  /** One line: what failed or could not be checked, or what passed. */
  reason: z.string(),
});
export type RequirementResult = z.infer<typeof RequirementResult>;

/**
 * One executable check a requirement is held to, with its outcome:
 * `stack.language`, `stack.framework`, `stack.database`, `stack.runtime`,
 * `app.restart`, `files.Dockerfile`, `project.tests`, … Kept in the round's
 * summary so a requirement's reason can be traced to the check.
 */
export const RequirementCheck = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(['passed', 'failed', 'unverified']),
  detail: z.string(),
});
export type RequirementCheck = z.infer<typeof RequirementCheck>;

/** Counts of a requirement list, for one-line summaries. */
export function countRequirements(results: readonly RequirementResult[]): Record<RequirementVerdict, number> {
  const counts: Record<RequirementVerdict, number> = { passed: 0, failed: 0, not_checkable: 0, pending: 0 };
  for (const r of results) counts[r.verdict] += 1;
  return counts;
}

export function anyRequirementFailed(results: readonly RequirementResult[] | undefined): boolean {
  return (results ?? []).some((r) => r.verdict === 'failed');
}
