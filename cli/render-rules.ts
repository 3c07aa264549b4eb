import { describeRule, ruleTally, type TaskOutput, type TaskView } from '../proto/index.js';
import { safeText } from './safe-text.js';

const DETAIL_CHARS = 160;

/**
 * A task's verdict and one line per executable rule: status, the rule in
 * words, and what was found. `unverified` is printed as such, never folded
 * into passed. Details come from generated code's output, so they go through
 * safeText.
 */
export function renderRules(task: Pick<TaskView, 'verdict' | 'rules'>, indent = '      '): string[] {
  if (!task.verdict && !task.rules) return [];
  const lines = [`${indent}verdict: ${safeText(task.verdict ?? 'unknown')}${task.rules ? ` (${ruleTally(task.rules)})` : ''}`];
  for (const r of task.rules ?? []) {
    const detail = r.detail.length > DETAIL_CHARS ? `${r.detail.slice(0, DETAIL_CHARS - 1)}…` : r.detail;
    lines.push(`${indent}  ${r.status.padEnd(10)} ${safeText(describeRule(r.rule))}${detail ? ` — ${safeText(detail)}` : ''}`);
  }
  return lines;
}

/** `, verdict unverified, rules 1/2 passed, 1 unverified` for the watch tree; empty for reports from before verdicts. */
export function verdictNote(validation: TaskOutput['validation']): string {
  return validation.verdict ? `, verdict ${validation.verdict}, ${ruleTally(validation.rules ?? [])}` : '';
}
