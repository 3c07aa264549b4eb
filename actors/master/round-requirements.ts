import type { Blueprint, RequirementCheck, RequirementResult } from '../../proto/index.js';
import type { AcceptanceFix, AcceptJobInput } from '../../machines/master-types.js';
import { planRequirements, type RequirementPlan } from '../analysis/requirement-plan.js';
import type { DependencyCache } from '../sandbox-app/deps-cache.js';
import { readStackFindings, type StackFindings } from '../validation/stack-findings.js';
import type { Logger } from '../log/logger.js';
import { acceptanceOwners } from './acceptance-routing.js';
import { judgeRequirements, type RequirementEvidence } from './judge-requirements.js';

/** The job's requirements and what a round must do to judge them. */
export interface RoundRequirements {
  plans: RequirementPlan[];
  /** A database requirement asks whether data survives a restart of the app. */
  restart: boolean;
  /** A TypeScript requirement asks for `tsc --noEmit`. */
  typecheck: boolean;
}

export function requirementsPlanOf(blueprint: Blueprint | null): RoundRequirements {
  const plans = blueprint ? planRequirements(blueprint) : [];
  const rules = plans.flatMap((p) => p.rules);
  return {
    plans,
    restart: rules.some((r) => r.kind === 'database' && r.restart),
    typecheck: rules.some((r) => r.kind === 'language' && r.language === 'TypeScript'),
  };
}

/**
 * The tree's stack, read before the project's own tests run code in it. For
 * the type check the job's installed packages are copied in from its
 * dependency cache (filled by this round's install), so `tsc --noEmit`
 * sees the dependencies' types as a user's would; without them it still runs,
 * and a missing package's types are notes, not errors.
 */
export async function readRoundStack(requirements: RoundRequirements, tree: string, depsCache: DependencyCache | undefined, log?: Logger): Promise<StackFindings | null> {
  if (requirements.plans.length === 0) return null;
  try {
    if (requirements.typecheck && depsCache) {
      const key = await depsCache.keyOf(tree);
      if (key) await depsCache.restore(key, tree);
    }
    return await readStackFindings(tree, { typecheck: requirements.typecheck });
  } catch (error) {
    log?.warn("could not read the app's stack for its requirements", { tree, error: String(error) });
    return null;
  }
}

export function judgeRoundRequirements(requirements: RoundRequirements, evidence: RequirementEvidence): { requirements: RequirementResult[]; checks: RequirementCheck[] } | null {
  if (requirements.plans.length === 0) return null;
  return judgeRequirements(requirements.plans, evidence);
}

/**
 * A failed requirement check (the stack, a restart, a promised file) is work
 * for the task that owns the server (the scaffold, which chose the stack):
 * added to that task's fixes of the round, so a round that passed every
 * acceptance check but ignored the prompt still gets a fix task while rounds
 * remain. Requirements that failed through acceptance checks or the
 * project's tests are not added again: those failures are already routed to
 * their owners.
 */
export function requirementFixes(input: Pick<AcceptJobInput, 'tasks'>, fixes: AcceptanceFix[], checks: readonly RequirementCheck[]): AcceptanceFix[] {
  const failed = checks.filter((c) => c.status === 'failed' && c.id !== 'project.tests');
  const owner = acceptanceOwners(input.tasks).ofServer();
  if (failed.length === 0 || owner === null) return fixes;
  const problems = failed.map((c) => `requirement check ${c.id} failed: ${c.title}: ${c.detail}`);
  const existing = fixes.find((f) => f.ownerTaskId === owner);
  if (existing) return fixes.map((f) => (f === existing ? { ...f, problems: [...f.problems, ...problems] } : f));
  return [...fixes, { ownerTaskId: owner, problems }];
}
