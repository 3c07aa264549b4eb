import { PLAN_LIMITS, ValidationRule, type Role } from '../proto/index.js';

export interface RepairedAnswer {
  /** The answer with what could be repaired repaired; it still has to pass the plan's schema. */
  answer: unknown;
  /** One note per repair, for the log; never a rule's own text (it is model output). */
  repairs: string[];
}

type Json = { [key: string]: unknown };
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Repairs a model's plan answer that kept the grammar but would fail the
 * plan's schema in ways that need no second answer:
 * - a validation rule the grammar cannot judge (an unsafe path, a glob with
 *   `..`, a pattern it could not hold) is dropped, so the task falls back to
 *   its role's defaults when none is left (machines/plan.ts);
 * - free text over its bound is clipped. llama.cpp's grammar takes a broken
 *   UTF-8 sequence as one character, and decoded it becomes several U+FFFD,
 *   so text can keep the grammar's bound and still be too long for zod.
 * Anything else (a wrong shape) is left for the schema to refuse, and the
 * model is asked again.
 */
export function repairPlanAnswer(answer: unknown): RepairedAnswer {
  if (!isObject(answer) || !Array.isArray(answer.tasks)) return { answer, repairs: [] };
  const repairs: string[] = [];
  const tasks = answer.tasks.map((task: unknown, i) => {
    if (!isObject(task)) return task;
    const name = `task ${i + 1}`;
    const fixed: Json = { ...task };
    for (const [field, max] of [['key', PLAN_LIMITS.maxKeyChars], ['description', PLAN_LIMITS.maxDescriptionChars]] as const) {
      const value = task[field];
      if (typeof value === 'string' && value.length > max) {
        fixed[field] = clipUnits(value, max);
        repairs.push(`${name}: clipped its ${field} to ${max} characters`);
      }
    }
    if (Array.isArray(task.dependsOn)) {
      // Clipped like the keys they name, so a reference to a clipped key still resolves.
      fixed.dependsOn = task.dependsOn.map((d: unknown) => (typeof d === 'string' ? clipUnits(d, PLAN_LIMITS.maxKeyChars) : d));
    }
    if (Array.isArray(task.validationRules)) {
      fixed.validationRules = task.validationRules.filter((rule: unknown, r) => {
        const parsed = ValidationRule.safeParse(rule);
        if (parsed.success) return true;
        const kind = isObject(rule) && typeof rule.kind === 'string' ? rule.kind.slice(0, 24) : 'unknown';
        const issue = parsed.error.issues[0];
        repairs.push(`${name}: dropped rule ${r + 1} (${kind}): ${issue ? `${issue.path.join('.') || 'rule'}: ${issue.message}` : 'invalid'}`);
        return false;
      });
    }
    return fixed;
  });
  return { answer: { ...answer, tasks }, repairs };
}

/** At most `max` UTF-16 units, never ending in half of a surrogate pair. */
export function clipUnits(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/**
 * An `http` rule can only be judged by checks of the frozen suite: one that
 * names operations the suite does not know would always be unverified, and
 * fail its task for a reason no code can fix. Such operations are dropped
 * from the rule at planning (the rule too, when none is left; then the role's
 * defaults stand in), and each drop is recorded.
 */
export function keepKnownOperations<T extends { id: string; type: Role; validationRules: ValidationRule[] }>(
  tasks: readonly T[],
  known: ReadonlySet<string>,
  defaults: Readonly<Record<Role, readonly ValidationRule[]>>,
): { tasks: T[]; repairs: string[] } {
  const repairs: string[] = [];
  const kept = tasks.map((task) => {
    const rules = task.validationRules.flatMap((rule): ValidationRule[] => {
      if (rule.kind !== 'http') return [rule];
      const operationIds = rule.operationIds.filter((id) => known.has(id));
      if (operationIds.length < rule.operationIds.length) {
        repairs.push(`${task.id}: dropped ${rule.operationIds.length - operationIds.length} operation(s) the acceptance suite does not check from its http rule`);
      }
      return operationIds.length > 0 ? [{ ...rule, operationIds }] : [];
    });
    return { ...task, validationRules: rules.length > 0 ? rules : [...defaults[task.type]] };
  });
  return { tasks: kept, repairs };
}
