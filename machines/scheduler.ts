import { TERMINAL_TASK_STATUSES, type Task, type TaskId } from '../proto/index.js';

/** Exponential backoff: 1 s, 2 s, 4 s, … for attempts 1, 2, 3, … */
export function retryDelayMs(attempt: number, baseMs = 1000): number {
  return baseMs * 2 ** Math.max(0, attempt - 1);
}

export function isTerminalTask(task: Pick<Task, 'status'>): boolean {
  return TERMINAL_TASK_STATUSES.includes(task.status);
}

/**
 * Tasks that may start now, best first: pending, every dependency completed,
 * highest priority, then plan order. At most `slots` are returned.
 */
export function pickReadyTasks(tasks: readonly Task[], slots: number): Task[] {
  if (slots <= 0) return [];
  const done = new Set(tasks.filter((t) => t.status === 'completed').map((t) => t.id));
  return tasks
    .map((task, index) => ({ task, index }))
    .filter(({ task }) => task.status === 'pending' && task.dependencies.every((d) => done.has(d)))
    .sort((a, b) => b.task.priority - a.task.priority || a.index - b.index)
    .slice(0, slots)
    .map(({ task }) => task);
}

export function countRunning(tasks: readonly Task[]): number {
  return tasks.filter((t) => t.status === 'running').length;
}

/** Every task that depends on `root`, directly or not, in plan order. */
export function transitiveDependents(tasks: readonly Task[], root: TaskId): Task[] {
  const hit = new Set<TaskId>([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const t of tasks) {
      if (!hit.has(t.id) && t.dependencies.some((d) => hit.has(d))) {
        hit.add(t.id);
        grew = true;
      }
    }
  }
  return tasks.filter((t) => t.id !== root && hit.has(t.id));
}

export type JobOutcome = 'completed' | 'failed' | 'in_progress';

export function jobOutcome(tasks: readonly Task[]): JobOutcome {
  if (!tasks.every(isTerminalTask)) return 'in_progress';
  return tasks.every((t) => t.status === 'completed') ? 'completed' : 'failed';
}

/**
 * After a crash nothing is running any more: work that was in flight or
 * waiting out a backoff goes back to pending, so it is dispatched again.
 */
export function resetInFlight(tasks: readonly Task[]): Task[] {
  return tasks.map((t) =>
    t.status === 'running' || t.status === 'retrying' ? { ...t, status: 'pending', assignedWorker: null } : t,
  );
}
