import { taskIdForIndex, type Role, type Task, type TaskId, type ValidationRule } from '../proto/index.js';
import type { PlannedTask } from './decompose.js';

export interface PlanDefaults {
  maxRetries: number;
  budget: Task['budget'];
  toolsByRole: Readonly<Record<Role, readonly string[]>>;
  defaultRulesByRole: Readonly<Record<Role, readonly ValidationRule[]>>;
}

export interface NormalizedPlan {
  tasks: Task[];
  /** Human-readable notes on what had to be repaired; empty for a clean plan. */
  repairs: string[];
}

/**
 * Turns a model's plan into runnable tasks. The model's keys are free text, so
 * tasks get our own subject-safe ids, dependencies are resolved by key, and
 * anything that would stop the DAG from running (dangling references, self
 * references, cycles, missing validation rules) is repaired and recorded.
 */
export function normalizePlan(plan: { tasks: readonly PlannedTask[] }, defaults: PlanDefaults): NormalizedPlan {
  const repairs: string[] = [];
  const idByKey = new Map<string, TaskId>();
  plan.tasks.forEach((t, i) => {
    const key = t.key.trim();
    if (idByKey.has(key)) repairs.push(`task ${taskIdForIndex(i)} reuses key "${key}"; later references go to the first`);
    else idByKey.set(key, taskIdForIndex(i));
  });

  const tasks: Task[] = plan.tasks.map((t, i) => {
    const id = taskIdForIndex(i);
    const dependencies: TaskId[] = [];
    for (const raw of t.dependsOn) {
      const dep = idByKey.get(raw.trim());
      if (dep === undefined) repairs.push(`${id}: dropped unknown dependency "${raw}"`);
      else if (dep === id) repairs.push(`${id}: dropped self-dependency`);
      else if (!dependencies.includes(dep)) dependencies.push(dep);
    }
    const rules = t.validationRules;
    if (rules.length === 0) repairs.push(`${id}: no validation rules; using the ${t.type} defaults`);
    const description = t.description.trim() || `${t.type} task ${i + 1}`;
    return {
      id,
      type: t.type,
      description,
      dependencies,
      priority: t.priority,
      estimatedTime: t.estimatedMinutes,
      attempts: 0,
      maxRetries: defaults.maxRetries,
      status: 'pending',
      assignedWorker: null,
      prompt: t.prompt ?? description,
      tools: [...defaults.toolsByRole[t.type]],
      context: [],
      output: null,
      validationRules: rules.length > 0 ? rules : [...defaults.defaultRulesByRole[t.type]],
      lastError: null,
      failureSignatures: [],
      fixOf: null,
      budget: { ...defaults.budget },
      tokensUsed: 0,
    };
  });

  for (const [from, to] of findBackEdges(tasks)) {
    const task = tasks.find((t) => t.id === from);
    if (task) task.dependencies = task.dependencies.filter((d) => d !== to);
    repairs.push(`${from}: dropped dependency on ${to} to break a cycle`);
  }
  return { tasks, repairs };
}

/** Depth-first search; every edge into a node still on the stack closes a cycle. */
export function findBackEdges(tasks: readonly Pick<Task, 'id' | 'dependencies'>[]): Array<[TaskId, TaskId]> {
  const deps = new Map(tasks.map((t) => [t.id, t.dependencies]));
  const state = new Map<TaskId, 'visiting' | 'done'>();
  const back: Array<[TaskId, TaskId]> = [];
  const visit = (id: TaskId): void => {
    state.set(id, 'visiting');
    for (const dep of deps.get(id) ?? []) {
      const s = state.get(dep);
      if (s === 'visiting') back.push([id, dep]);
      else if (s === undefined && deps.has(dep)) visit(dep);
    }
    state.set(id, 'done');
  };
  for (const t of tasks) if (!state.has(t.id)) visit(t.id);
  return back;
}
