import { describeRule, type Task, type ValidationReport, type WireError } from '../proto/index.js';

/** The errors the Master gives a task's attempt: pure, from what the attempt reported. */

/** A committed attempt that did not pass: every problem (merge conflicts, issues, failed rules), each once. */
export function validationFailure(task: Task, validation: ValidationReport, conflicts: readonly string[]): { problems: string[]; error: WireError } {
  const failedRules = (validation.rules ?? [])
    .filter((r) => r.status === 'failed')
    .map((r) => `rule failed: ${describeRule(r.rule)}: ${r.detail}`)
    // A report folds each failed rule into its issues, its log under it; older reports may not have.
    .filter((line) => !validation.issues.some((issue) => issue === line || issue.startsWith(`${line}\n`)));
  const problems = [...conflicts.map((p) => `${p}: merge conflict with another task's change`), ...validation.issues, ...failedRules];
  const error: WireError = {
    code: 'validation_failed',
    message: `${task.id} failed validation: ${problems.slice(0, 5).join('; ')}`,
    data: { taskId: task.id, issues: problems },
  };
  return { problems, error };
}

/**
 * The same failure twice in a row: retrying would only burn budget, so the task fails now. Nothing else takes it
 * over (no reassignment, no escalation), and the message must not promise otherwise.
 */
export function loopError(task: Task, signature: string, last: WireError): WireError {
  return {
    code: 'loop_detected',
    message: `${task.id} failed the same way twice in a row, so its remaining retries were skipped (another attempt would repeat it) and it failed; a clearer prompt or a stronger worker model may get past it: ${last.message}`,
    data: { taskId: task.id, signature },
  };
}
