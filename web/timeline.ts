import type { JobEvent } from '../proto/events.js';

export interface Point {
  /** Milliseconds since the job's first event. */
  t: number;
  value: number;
}

export interface TaskTimes {
  modelMs: number;
  machineryMs: number;
}

type TaskEvent = Extract<JobEvent, { taskId: string }>;

/**
 * Tokens each task has spent, over time, from the events alone: a
 * `task.progress` carries the running attempt's tokens so far, the attempt's
 * end (`task.completed`/`task.committed` output.tokens, or `task.failed`
 * error.tokens, else its last progress) adds them to what earlier attempts
 * spent. The same counting as the daemon's tokensUsed, drawn as it happened.
 */
export function tokenSeries(events: readonly JobEvent[]): Map<string, Point[]> {
  const start = events.length > 0 ? Date.parse(events[0]?.at ?? '') : 0;
  const series = new Map<string, Point[]>();
  const spent = new Map<string, { base: number; current: number }>();
  for (const event of events) {
    if (!('taskId' in event)) continue;
    const e: TaskEvent = event;
    const s = spent.get(e.taskId) ?? { base: 0, current: 0 };
    spent.set(e.taskId, s);
    let changed = true;
    switch (e.type) {
      case 'task.dispatched':
        s.current = 0;
        changed = false;
        break;
      case 'task.progress':
        s.current = e.tokens;
        break;
      case 'task.completed':
      case 'task.committed':
        s.base += e.output.tokens;
        s.current = 0;
        break;
      case 'task.failed':
        s.base += e.error.tokens ?? s.current;
        s.current = 0;
        break;
      default:
        changed = false;
    }
    if (!changed) continue;
    series.set(e.taskId, [...(series.get(e.taskId) ?? []), { t: Math.max(0, Date.parse(e.at) - start), value: s.base + s.current }]);
  }
  return series;
}

/**
 * Model time against machinery time per task, over its finished attempts.
 * The API has no such split, so it is derived from event times only: model
 * time runs from the attempt's `task.progress` phase `started` to its phase
 * `writing` (the worker has the model's answer), or to the attempt's end when
 * it never got there; machinery time is the rest of the attempt, from
 * `task.dispatched` to its `task.completed`, `task.committed` or
 * `task.failed` (queueing, the sandbox's validation, git).
 */
export function taskTimes(events: readonly JobEvent[]): Map<string, TaskTimes> {
  const open = new Map<string, { dispatched: number; started?: number; writing?: number }>();
  const times = new Map<string, TaskTimes>();
  for (const event of events) {
    if (!('taskId' in event)) continue;
    const e: TaskEvent = event;
    const at = Date.parse(e.at);
    const attempt = open.get(e.taskId);
    if (e.type === 'task.dispatched') open.set(e.taskId, { dispatched: at });
    else if (e.type === 'task.progress' && attempt) {
      if (e.phase === 'started' && attempt.started === undefined) attempt.started = at;
      if (e.phase === 'writing') attempt.writing = at;
    } else if ((e.type === 'task.completed' || e.type === 'task.committed' || e.type === 'task.failed') && attempt) {
      open.delete(e.taskId);
      const total = Math.max(0, at - attempt.dispatched);
      const model = attempt.started === undefined ? 0 : Math.min(total, Math.max(0, (attempt.writing ?? at) - attempt.started));
      const sum = times.get(e.taskId) ?? { modelMs: 0, machineryMs: 0 };
      times.set(e.taskId, { modelMs: sum.modelMs + model, machineryMs: sum.machineryMs + total - model });
    }
  }
  return times;
}
