import type { JobView } from '../proto/index.js';
import type { TaskLine, WatchState } from './watch-store.js';

const ICON: Record<string, string> = {
  pending: '·',
  running: '▶',
  retrying: '↻',
  completed: '✔',
  failed: '✘',
  blocked: '⊘',
  cancelled: '■',
};

/**
 * Model output reaches the terminal through task descriptions and errors;
 * control characters are replaced so it cannot move the cursor or recolour
 * the screen.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

// The watch tree's state is a store fed the job's events (watch-store.ts); this file only draws it.
export { applyEvent, initialWatchState, type TaskLine, type WatchState } from './watch-store.js';

/** Tasks under the tasks they depend on, so the tree reads top-down like the DAG. */
export function renderTree(state: WatchState): string[] {
  const lines = [`job ${state.jobId}: ${state.status}`];
  const children = new Map<string, TaskLine[]>();
  const roots: TaskLine[] = [];
  for (const task of state.tasks.values()) {
    const parent = task.dependencies.find((d) => state.tasks.has(d));
    if (parent) children.set(parent, [...(children.get(parent) ?? []), task]);
    else roots.push(task);
  }
  const walk = (task: TaskLine, prefix: string, last: boolean) => {
    const branch = last ? '└─ ' : '├─ ';
    const attempt = task.attempts > 1 ? ` (attempt ${task.attempts})` : '';
    const note = task.note ? `  ${task.note}` : '';
    lines.push(`${prefix}${branch}${ICON[task.status] ?? '?'} ${task.id} [${task.type}] ${printable(task.description.slice(0, 50))}${attempt}${printable(note)}`);
    const kids = children.get(task.id) ?? [];
    kids.forEach((kid, i) => walk(kid, prefix + (last ? '   ' : '│  '), i === kids.length - 1));
  };
  roots.forEach((task, i) => walk(task, '', i === roots.length - 1));
  if (state.error) lines.push(`error: ${printable(state.error)}`);
  return lines;
}

export function renderJobView(view: JobView): string[] {
  const lines = [`job ${view.jobId}: ${view.status}`, `repo: ${view.repo}`];
  for (const task of view.tasks) {
    lines.push(`  ${ICON[task.status] ?? '?'} ${task.id} [${task.type}] ${task.status} (attempts: ${task.attempts})`);
  }
  if (view.error) lines.push(`error: ${view.error.code}: ${printable(view.error.message)}`);
  return lines;
}
