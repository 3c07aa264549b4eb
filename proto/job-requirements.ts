import type { AcceptanceState } from './acceptance.js';
import type { Blueprint } from './blueprint.js';
import type { RequirementResult } from './requirements.js';

/**
 * The parts of a `JobRecord` read here, named structurally: job.ts calls
 * this function, so importing its type back would make an import cycle.
 */
export interface JobRequirementsSource {
  status: string;
  blueprint: Pick<Blueprint, 'requirements'> | null;
  acceptance: Pick<AcceptanceState, 'last'> | null;
}

/**
 * The job's requirements as `status --json` shows them: as the last
 * integration round judged them; before any round, each is `pending` while
 * the job runs, and `not_checkable` once it ended without one (its app was
 * never built and judged), with that reason.
 */
export function jobRequirements(job: JobRequirementsSource): RequirementResult[] {
  const judged = job.acceptance?.last?.requirements;
  if (judged) return judged;
  const texts = job.blueprint?.requirements ?? [];
  const ended = job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled';
  return texts.map((text, index) => ({
    id: `r${index + 1}`,
    text,
    verdict: ended ? 'not_checkable' : 'pending',
    checks: [],
    reason: ended ? `not judged: the job ended ${job.status} before its app was built and checked` : 'judged when every task is done and the app is accepted',
  }));
}
