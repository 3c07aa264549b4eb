import { createStore } from '@xstate/store';
import { verdictNote } from './render-rules.js';
import type { JobEvent, JobStatus, RequirementResult, StageResult, TaskStatus, TaskSummary } from '../proto/index.js';

export interface TaskLine {
  id: string;
  type: string;
  status: TaskStatus;
  attempts: number;
  description: string;
  dependencies: string[];
  /** The stages of the current attempt that have finished, in order; a new dispatch starts over. */
  stages: StageResult[];
  note: string;
}

/** The integration round in progress or last run, counted from its `acceptance.check` events. */
export interface AcceptanceLine {
  round: number;
  maxRounds: number;
  passed: number;
  failed: number;
  /** Checks whose setup failed on a bug a failed check reports. */
  blocked: number;
  unverified: number;
  accepted: boolean;
}

/** The live picture a watcher keeps: a projection of the job's events. */
export interface WatchState {
  jobId: string;
  status: JobStatus;
  tasks: ReadonlyMap<string, TaskLine>;
  error: string | null;
  acceptance: AcceptanceLine | null;
  /** The requirements as the last round judged them; null before a round judged them. */
  requirements?: RequirementResult[] | null;
}

/** Notes are one screen line: errors and summaries come from model output and can be long. */
const NOTE_LIMIT = 100;

export function initialWatchState(jobId: string): WatchState {
  return { jobId, status: 'planning', tasks: new Map(), error: null, acceptance: null };
}

function pendingLine(task: TaskSummary, note: string): TaskLine {
  return { id: task.id, type: task.type, status: 'pending', attempts: 0, description: task.description, dependencies: task.dependencies, stages: [], note };
}

/**
 * A copy of the state with one task changed. Events for a task the watcher
 * never saw planned (a stream joined mid-way, a stray event) change nothing.
 */
function patchTask(state: WatchState, taskId: string, change: (line: TaskLine) => Partial<TaskLine>): WatchState {
  const line = state.tasks.get(taskId);
  if (!line) return state;
  const tasks = new Map(state.tasks);
  tasks.set(taskId, { ...line, ...change(line) });
  return { ...state, tasks };
}

/**
 * What the watcher read from the job's record. Events are untrusted (anyone
 * allowed to publish can forge `job.completed`), so the record, read through
 * the API, has the last word on the job's status.
 */
export interface RecordRead {
  type: 'record.read';
  status: JobStatus;
}

/** What a watch store is fed: the job's events, and what its record says. */
export type WatchInput = JobEvent | RecordRead;

type Transitions = { [E in WatchInput as E['type']]: (state: WatchState, event: E) => WatchState };

/** One transition per event type; the mapped type makes a new event type a compile error until it is handled here. */
const transitions: Transitions = {
  'job.submitted': (state) => ({ ...state, status: 'planning' }),
  'job.planning': (state) => ({ ...state, status: 'planning' }),
  'job.resumed': (state) => ({ ...state, status: 'planning' }),
  'job.planned': (state, event) => ({
    ...state,
    status: 'running',
    tasks: new Map(event.tasks.map((task) => [task.id, pendingLine(task, '')])),
  }),
  'job.integrating': (state, event) => ({
    ...state,
    status: 'integrating',
    acceptance: { round: event.round, maxRounds: event.maxRounds, passed: 0, failed: 0, blocked: 0, unverified: 0, accepted: false },
  }),
  'job.accepted': (state, event) =>
    state.acceptance?.round === event.round ? { ...state, acceptance: { ...state.acceptance, accepted: true } } : state,
  'job.requirements': (state, event) => ({ ...state, requirements: event.requirements }),
  'acceptance.check': (state, event) => {
    // A check of another round (a replay joined mid-way, a round resumed after a crash) is not this round's.
    if (state.acceptance?.round !== event.round) return state;
    const { status } = event.result;
    return { ...state, acceptance: { ...state.acceptance, [status]: state.acceptance[status] + 1 } };
  },
  'job.completed': (state) => ({ ...state, status: 'completed' }),
  'job.failed': (state, event) => ({ ...state, status: 'failed', error: event.error.message }),
  'job.cancelled': (state, event) => ({ ...state, status: 'cancelled', error: event.reason }),
  'task.dispatched': (state, event) =>
    patchTask(state, event.taskId, () => ({ status: 'running', attempts: event.attempt, stages: [], note: 'dispatched' })),
  'task.progress': (state, event) =>
    patchTask(state, event.taskId, () => ({ note: `${event.phase} · ${event.tokens} tokens · ${event.worker}` })),
  'task.completed': (state, event) =>
    patchTask(state, event.taskId, () => ({
      status: 'completed',
      note: `${event.output.files.length} file(s), ${event.output.commit.slice(0, 8)}${verdictNote(event.output.validation)}`.slice(0, NOTE_LIMIT),
    })),
  // Committed but not passed: the watcher must never show it as done; the fix task comes next.
  'task.committed': (state, event) =>
    patchTask(state, event.taskId, () => ({
      status: 'needs_fix',
      note: `needs a fix: committed ${event.output.commit.slice(0, 8)}${event.conflicts.length > 0 ? ` with ${event.conflicts.length} conflicted file(s)` : ''}${verdictNote(event.output.validation)}`.slice(0, NOTE_LIMIT),
    })),
  'task.failed': (state, event) =>
    patchTask(state, event.taskId, () => ({
      status: event.retryInMs === null ? 'failed' : 'retrying',
      note: `${event.error.code}: ${event.error.message}`.slice(0, NOTE_LIMIT),
    })),
  'task.created': (state, event) => {
    const tasks = new Map(state.tasks);
    tasks.set(event.taskId, pendingLine({ ...event.task, id: event.taskId }, `${event.reason} for ${event.fixOf}`));
    return { ...state, tasks };
  },
  'validation.stage': (state, event) =>
    patchTask(state, event.taskId, (line) => {
      // A late stage from an earlier attempt must not mix into the current attempt's list.
      if (event.attempt !== line.attempts) return {};
      // A stage that failed is worth its summary; a passing one only shows that validation moves on.
      const { stage, status, summary } = event.result;
      return {
        stages: [...line.stages, event.result],
        note: `validating · ${stage} ${status}${status === 'failed' && summary ? `: ${summary}` : ''}`.slice(0, NOTE_LIMIT),
      };
    }),
  'task.blocked': (state, event) => patchTask(state, event.taskId, () => ({ status: 'blocked', note: `blocked by ${event.blockedBy}` })),
  'task.cancelled': (state, event) => patchTask(state, event.taskId, () => ({ status: 'cancelled', note: '' })),
  'record.read': (state, event) => ({ ...state, status: event.status }),
};

/** A store holding the watch tree of one job, fed the job's events with `send`. */
export function createWatchStore(from: WatchState) {
  return createStore<WatchState, WatchInput, never>({ context: from, on: transitions });
}

export type WatchStore = ReturnType<typeof createWatchStore>;

/** The state after one more event, for callers that keep states rather than a store. */
export function applyEvent(state: WatchState, event: WatchInput): WatchState {
  const store = createWatchStore(state);
  store.send(event);
  return store.getSnapshot().context;
}
