import { WorkerHeartbeat } from '../../proto/index.js';
import type { Bus, BusSubscription } from '../bus/bus.js';
import { createWorkerHealthStore, workerHealth, type WorkerStatus } from './worker-health-store.js';

export type { WorkerStatus } from './worker-health-store.js';

/**
 * The WorkerManager's view of health: who sent a heartbeat lately. A worker
 * that misses three beats counts as dead; its work comes back through the
 * queue's ack wait, so nothing here has to reassign it by hand. The state is
 * a projection of heartbeats held in a store; this class only feeds it.
 */
export class WorkerRegistry {
  readonly #store = createWorkerHealthStore();
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
        // A malformed beat is ignored, not fatal: every process on the bus may publish here.
        const parsed = WorkerHeartbeat.safeParse(msg.payload);
        if (parsed.success) this.record(parsed.data);
      }
    })();
  }

  stop(): void {
    this.#subscription?.unsubscribe();
  }

  record(heartbeat: WorkerHeartbeat): void {
    this.#store.trigger.heartbeat({ heartbeat, receivedAt: this.#now() });
  }

  list(): WorkerStatus[] {
    return workerHealth(this.#store.getSnapshot().context, this.#now(), this.#heartbeatMs);
  }
}
