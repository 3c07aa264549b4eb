import { TERMINAL_TASK_STATUSES, isCommittedStatus, type Task, type TaskId } from '../proto/index.js';

/** Exponential backoff: 1 s, 2 s, 4 s, … for attempts 1, 2, 3, … */
export function retryDelayMs(attempt: number, baseMs = 1000): number {
  return baseMs * 2 ** Math.max(0, attempt - 1);
}

export function isTerminalTask(task: Pick<Task, 'status'>): boolean {
  return TERMINAL_TASK_STATUSES.includes(task.status);
}

/**
 * Tasks that may start now, best first: pending, every dependency committed;
 * highest priority, then the longest estimated chain of work still hanging
 * off the task (critical path first, which shortens the makespan), then plan
 * order. At most `slots` are returned.
 */
export function pickReadyTasks(tasks: readonly Task[], slots: number, heights?: Readonly<Record<TaskId, number>>): Task[] {
  if (slots <= 0) return [];
  // A `needs_fix` task's work is on main: its follow-up builds on it, and its other dependents also wait for that follow-up.
  const done = new Set(tasks.filter((t) => isCommittedStatus(t.status)).map((t) => t.id));
  const ready = tasks
    .map((task, index) => ({ task, index }))
    .filter(({ task }) => task.status === 'pending' && task.dependencies.every((d) => done.has(d)));
  if (ready.length === 0) return [];
  // Ranking only matters when there are more ready tasks than free slots.
  const height = ready.length <= slots ? {} : (heights ?? Object.fromEntries(chainHeights(tasks)));
  return ready
    .sort(
      (a, b) =>
        b.task.priority - a.task.priority ||
        (height[b.task.id] ?? 0) - (height[a.task.id] ?? 0) ||
        a.index - b.index,
    )
    .slice(0, slots)
    .map(({ task }) => task);
}

/** For each task, its estimate plus the longest chain of estimates among its dependents. */
/** chainHeights as a plain record, as the Master keeps it in its context. */
export const heightsOf = (tasks: readonly Task[]): Record<TaskId, number> => Object.fromEntries(chainHeights(tasks));

export function chainHeights(tasks: readonly Task[]): Map<TaskId, number> {
  const dependents = new Map<TaskId, Task[]>();
  for (const t of tasks) {
    for (const d of t.dependencies) {
      const list = dependents.get(d);
      if (list) list.push(t);
      else dependents.set(d, [t]);
    }
  }
  const height = new Map<TaskId, number>();
  const visiting = new Set<TaskId>();
  const visit = (t: Task): number => {
    const known = height.get(t.id);
    if (known !== undefined) return known;
    if (visiting.has(t.id)) return 0; // a cycle; plans are repaired before they run, so only defensive
    visiting.add(t.id);
    const below = Math.max(0, ...(dependents.get(t.id) ?? []).map(visit));
    visiting.delete(t.id);
    const h = t.estimatedTime + below;
    height.set(t.id, h);
    return h;
  };
  for (const t of tasks) visit(t);
  return height;
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

/**
 * Every task settled: completed when each one is `completed` or `needs_fix`
 * (a `needs_fix` task always has a follow-up task, which then carries the
 * outcome: failed, it fails the job).
 */
export function jobOutcome(tasks: readonly Task[]): JobOutcome {
  if (!tasks.every(isTerminalTask)) return 'in_progress';
  return tasks.every((t) => isCommittedStatus(t.status)) ? 'completed' : 'failed';
}

/**
 * After a crash nothing is running any more: work that was in flight or
 * waiting out a backoff goes back to pending, so it is dispatched again. An
 * attempt that was running was cut short by the daemon, not by the task: it
 * is counted as interrupted, so it costs the task no retry, and what it had
 * generated stays in the task's tokens.
 */
export function resetInFlight(tasks: readonly Task[]): Task[] {
  return tasks.map((t) => {
    if (t.status === 'retrying') return { ...t, status: 'pending', assignedWorker: null };
    if (t.status !== 'running') return t;
    return {
      ...t,
      status: 'pending',
      assignedWorker: null,
      tokensUsed: t.tokensUsed + (t.inFlightTokens ?? 0),
      inFlightTokens: 0,
      ...(t.attempts > 0 ? { interruptedAttempts: (t.interruptedAttempts ?? 0) + 1 } : {}),
    };
  });
}
