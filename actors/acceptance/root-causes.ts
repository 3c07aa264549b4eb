import type { AcceptanceCheckResult } from '../../proto/index.js';

/** The id of the check that judges one call of an operation as documented: the root cause its other calls name. */
export const operationCheckId = (op: { operationId: string }) => `${op.operationId}.operation`;

/**
 * A check's result and, when it failed, the check it may be blocked on: the
 * root its failing setup step names, or the operation check of a step that
 * got a status other than expected (the operation's bug, not this check's).
 */
export interface JudgedCheck {
  result: AcceptanceCheckResult;
  blockableOn: string | null;
}

/**
 * One bug, reported once: a check whose setup step failed (a create that
 * answered 200 where 201 is documented), or whose own call of an operation
 * got the wrong status, is `blocked` on the check that judges that call
 * itself when that check failed with the same answer, instead of failing
 * again with the same message and hiding the bugs after it. Chains resolve
 * to the first failure (an item's create blocked on its list's). When the
 * root check passed, could not run, is not in this run, or got another
 * answer (a 500 for this body, a 400 for its own), the failure is this
 * check's own: it stays failed, so nothing is hidden.
 */
export function blockOnRootCauses(judged: readonly JudgedCheck[]): AcceptanceCheckResult[] {
  const byId = new Map(judged.map((j) => [j.result.id, j]));
  const rootOf = (check: JudgedCheck, seen: ReadonlySet<string>): string | null => {
    if (check.blockableOn === null || check.result.status !== 'failed') return null;
    const root = byId.get(check.blockableOn);
    if (!root || root.result.status !== 'failed' || seen.has(root.result.id)) return null;
    const deeper = rootOf(root, new Set([...seen, root.result.id]));
    if (deeper !== null) return deeper;
    return root.result.actual.status === check.result.actual.status ? root.result.id : null;
  };
  return judged.map((check) => {
    const rootCause = rootOf(check, new Set([check.result.id]));
    if (rootCause === null) return check.result;
    const { result } = check;
    const problem = `blocked by ${rootCause}: its step "${result.actual.step}" failed on the bug that check reports (${result.actual.problem ?? 'failed'})`;
    return { ...result, status: 'blocked', rootCause, actual: { ...result.actual, problem } };
  });
}
