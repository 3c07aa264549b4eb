import type { Task, TaskId, TaskOutput, WireError } from '../proto/index.js';
import { findBackEdges } from './plan.js';
import { pickReadyTasks } from './scheduler.js';

/**
 * The seed's TaskQueue over an immutable list of tasks: every operation
 * returns a new queue, so the Master can keep the list in its context.
 */
export class TaskQueue {
  readonly tasks: readonly Task[];
  /** Critical-path heights, when the caller keeps them: they change only when tasks are added. */
  readonly #heights: Readonly<Record<TaskId, number>> | undefined;

  constructor(tasks: readonly Task[] = [], heights?: Readonly<Record<TaskId, number>>) {
    this.tasks = tasks;
    this.#heights = heights;
  }

  /** Adds a task whose dependencies already exist; refuses duplicates and cycles. */
  addTask(task: Task): TaskQueue {
    if (this.tasks.some((t) => t.id === task.id)) throw new Error(`task ${task.id} already exists`);
    const missing = task.dependencies.filter((d) => !this.tasks.some((t) => t.id === d));
    if (missing.length > 0) throw new Error(`task ${task.id} depends on unknown task(s) ${missing.join(', ')}`);
    const next = [...this.tasks, task];
    if (findBackEdges(next).length > 0) throw new Error(`task ${task.id} would close a dependency cycle`);
    return new TaskQueue(next);
  }

  /** Pending tasks whose dependencies are all completed, best first. */
  getReadyTasks(limit = Number.POSITIVE_INFINITY): Task[] {
    return pickReadyTasks(this.tasks, limit, this.#heights);
  }

  getNextTask(): Task | undefined {
    return this.getReadyTasks(1)[0];
  }

  markCompleted(id: TaskId, output: TaskOutput): TaskQueue {
    return this.#patch(id, { status: 'completed', output, lastError: null });
  }

  markFailed(id: TaskId, error: WireError): TaskQueue {
    return this.#patch(id, { status: 'failed', lastError: error });
  }

  #patch(id: TaskId, patch: Partial<Task>): TaskQueue {
    if (!this.tasks.some((t) => t.id === id)) throw new Error(`no task ${id}`);
    return new TaskQueue(this.tasks.map((t) => (t.id === id ? { ...t, ...patch } : t)));
  }
}
