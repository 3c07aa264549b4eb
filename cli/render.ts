import type { JobEvent, JobView, TaskSummary } from '../proto/index.js';

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

export interface TaskLine {
  id: string;
  type: string;
  status: string;
  attempts: number;
  description: string;
  dependencies: string[];
  note: string;
}

/** The live state a watcher keeps, folded from job events. */
export interface WatchState {
  jobId: string;
  status: string;
  tasks: Map<string, TaskLine>;
  error: string | null;
}

export function initialWatchState(jobId: string): WatchState {
  return { jobId, status: 'planning', tasks: new Map(), error: null };
}

function planned(tasks: TaskSummary[]): Map<string, TaskLine> {
  return new Map(
    tasks.map((t) => [
      t.id,
      { id: t.id, type: t.type, status: 'pending', attempts: 0, description: t.description, dependencies: t.dependencies, note: '' },
    ]),
  );
}

/** Pure fold: each event moves the watcher's picture forward. */
export function applyEvent(state: WatchState, event: JobEvent): WatchState {
  const next: WatchState = { ...state, tasks: new Map(state.tasks) };
  const patch = (id: string, change: Partial<TaskLine>) => {
    const line = next.tasks.get(id);
    if (line) next.tasks.set(id, { ...line, ...change });
  };
  switch (event.type) {
    case 'job.submitted':
    case 'job.planning':
    case 'job.resumed':
      next.status = 'planning';
      break;
    case 'job.planned':
      next.status = 'running';
      next.tasks = planned(event.tasks);
      break;
    case 'job.completed':
      next.status = 'completed';
      break;
    case 'job.failed':
      next.status = 'failed';
      next.error = event.error.message;
      break;
    case 'job.cancelled':
      next.status = 'cancelled';
      next.error = event.reason;
      break;
    case 'task.dispatched':
      patch(event.taskId, { status: 'running', attempts: event.attempt, note: 'dispatched' });
      break;
    case 'task.progress':
      patch(event.taskId, { note: `${event.phase} · ${event.tokens} tokens · ${event.worker}` });
      break;
    case 'task.completed':
      patch(event.taskId, { status: 'completed', note: `${event.output.files.length} file(s), ${event.output.commit.slice(0, 8)}` });
      break;
    case 'task.failed':
      patch(event.taskId, {
        status: event.retryInMs === null ? 'failed' : 'retrying',
        note: `${event.error.code}: ${event.error.message}`.slice(0, 100),
      });
      break;
    case 'task.created':
      next.tasks.set(event.taskId, {
        id: event.taskId,
        type: event.task.type,
        status: 'pending',
        attempts: 0,
        description: event.task.description,
        dependencies: event.task.dependencies,
        note: `${event.reason} for ${event.fixOf}`,
      });
      break;
    case 'validation.stage': {
      // A stage that failed is worth its summary; a passing one only shows that validation moves on.
      const { stage, status, summary } = event.result;
      patch(event.taskId, { note: `validating · ${stage} ${status}${status === 'failed' && summary ? `: ${summary}` : ''}`.slice(0, 100) });
      break;
    }
    case 'task.blocked':
      patch(event.taskId, { status: 'blocked', note: `blocked by ${event.blockedBy}` });
      break;
    case 'task.cancelled':
      patch(event.taskId, { status: 'cancelled', note: '' });
      break;
  }
  return next;
}

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
