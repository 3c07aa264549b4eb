import { createStore } from '@xstate/store';
import type { WorkerHeartbeat, WorkerResources, Role } from '../../proto/index.js';

/** What /health and `autodev daemon status` show for one worker. */
export interface WorkerStatus {
  worker: string;
  process: string;
  roles: Role[];
  busy: number;
  alive: boolean;
  lastSeenMs: number;
  /** At the last heartbeat; absent from workers of earlier versions. */
  resources?: WorkerResources;
  paused: 'low_memory' | null;
}

interface LastBeat {
  heartbeat: WorkerHeartbeat;
  /** Local clock when the beat arrived: a worker's own `at` may come from a skewed clock. */
  receivedAt: number;
}

/** The projection: the latest beat of every worker ever heard, by worker id. */
export interface WorkerHealthContext {
  lastBeats: Readonly<Record<string, LastBeat>>;
}

/**
 * Heartbeats in, last beats kept. Liveness is not stored: it depends on the
 * time of the question, so `workerHealth` derives it from the context.
 */
export function createWorkerHealthStore() {
  return createStore({
    context: { lastBeats: {} } as WorkerHealthContext,
    on: {
      heartbeat: (context, event: { heartbeat: WorkerHeartbeat; receivedAt: number }): WorkerHealthContext => ({
        lastBeats: { ...context.lastBeats, [event.heartbeat.worker]: { heartbeat: event.heartbeat, receivedAt: event.receivedAt } },
      }),
    },
  });
}

export type WorkerHealthStore = ReturnType<typeof createWorkerHealthStore>;

/** Missing this many beats in a row counts as dead. */
const MISSED_BEATS_BEFORE_DEAD = 3;

/** Health at `now`, sorted by worker id so the output is stable. */
export function workerHealth(context: WorkerHealthContext, now: number, heartbeatMs: number): WorkerStatus[] {
  return Object.values(context.lastBeats)
    .map(({ heartbeat, receivedAt }) => ({
      worker: heartbeat.worker,
      process: heartbeat.process,
      roles: heartbeat.roles,
      busy: heartbeat.busy,
      alive: now - receivedAt <= MISSED_BEATS_BEFORE_DEAD * heartbeatMs,
      lastSeenMs: now - receivedAt,
      ...(heartbeat.resources ? { resources: heartbeat.resources } : {}),
      paused: heartbeat.paused ?? null,
    }))
    .sort((a, b) => a.worker.localeCompare(b.worker));
}
