import { WorkerHeartbeat, type Role, type WorkerResources } from '../../proto/index.js';
import type { Bus, BusSubscription } from '../bus/bus.js';

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

/**
 * The WorkerManager's view of health: who sent a heartbeat lately. A worker
 * that misses three beats counts as dead; its work comes back through the
 * queue's ack wait, so nothing here has to reassign it by hand.
 */
export class WorkerRegistry {
  readonly #seen = new Map<string, { heartbeat: WorkerHeartbeat; at: number }>();
  readonly #heartbeatMs: number;
  readonly #now: () => number;
  #subscription: BusSubscription | null = null;

  constructor(options: { heartbeatMs: number; now?: () => number }) {
    this.#heartbeatMs = options.heartbeatMs;
    this.#now = options.now ?? Date.now;
  }

  start(bus: Bus, subject: string): void {
    const sub = bus.subscribe(subject);
    this.#subscription = sub;
    void (async () => {
      for await (const msg of sub) {
        const parsed = WorkerHeartbeat.safeParse(msg.payload);
        if (parsed.success) this.record(parsed.data);
      }
    })();
  }

  stop(): void {
    this.#subscription?.unsubscribe();
  }

  record(heartbeat: WorkerHeartbeat): void {
    this.#seen.set(heartbeat.worker, { heartbeat, at: this.#now() });
  }

  list(): WorkerStatus[] {
    const now = this.#now();
    return [...this.#seen.values()]
      .map(({ heartbeat, at }) => ({
        worker: heartbeat.worker,
        process: heartbeat.process,
        roles: heartbeat.roles,
        busy: heartbeat.busy,
        alive: now - at <= 3 * this.#heartbeatMs,
        lastSeenMs: now - at,
        ...(heartbeat.resources ? { resources: heartbeat.resources } : {}),
        paused: heartbeat.paused ?? null,
      }))
      .sort((a, b) => a.worker.localeCompare(b.worker));
  }
}
