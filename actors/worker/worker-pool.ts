import { createActor, fromPromise, type Actor } from 'xstate';
import {
  CancelCommand,
  WorkRequest,
  type Role,
  type Subjects,
  type WorkerHeartbeat,
  type WorkReply,
  type WorkResult,
} from '../../proto/index.js';
import { workerMachine, type WorkerNotice } from '../../machines/worker.machine.js';
import type { Bus, BusSubscription } from '../bus/bus.js';
import type { WorkDelivery, WorkQueue } from '../bus/work-queue.js';
import type { Logger } from '../log/logger.js';
import { ResourceGauge } from './resource-gauge.js';

export type PerformFn = (workerId: string, request: WorkRequest, signal: AbortSignal) => Promise<WorkResult>;

export interface WorkerPoolOptions {
  bus: Bus;
  subjects: Subjects;
  queue: WorkQueue;
  roles: readonly Role[];
  workersPerRole: number;
  perform: PerformFn;
  log: Logger;
  /** Distinguishes worker ids across processes and machines. */
  name: string;
  heartbeatMs: number;
  now?: () => Date;
  /** Readings for heartbeats and the memory check; the process's own by default. */
  gauge?: ResourceGauge;
  /**
   * Below this much free memory on the machine the pool takes no new work
   * (running work goes on): a model or a sandbox started now would likely be
   * killed, while a peer on another machine can take the task. 0 turns it off.
   */
  minFreeMemoryBytes?: number;
}

type WorkerActor = Actor<typeof workerMachine>;

const AVOID_NAK_MS = 200;
const LOW_MEMORY_RECHECK_MS = 500;

/**
 * Worker actors for a set of roles, in the daemon or in a separate
 * `autodevd worker` process. Each actor pulls its next request from the
 * work queue only when it is idle, which is what balances the load; while it
 * works it keeps the delivery alive, so a worker that dies has its request
 * delivered to another after the ack wait.
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #actors: Array<{ id: string; role: Role; actor: WorkerActor }> = [];
  readonly #subscriptions: BusSubscription[] = [];
  readonly #cancelledJobs = new Set<string>();
  readonly #gauge: ResourceGauge;
  #running = false;
  #lowMemory = false;
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    this.#gauge = options.gauge ?? new ResourceGauge();
  }

  get workerIds(): string[] {
    return this.#actors.map((a) => a.id);
  }

  start(): void {
    const { roles, workersPerRole, perform, name } = this.#options;
    const machine = workerMachine.provide({
      actors: { perform: fromPromise(({ input, signal }) => perform(input.workerId, input.request, signal)) },
    });
    this.#running = true;
    for (const role of roles) {
      for (let i = 1; i <= Math.max(1, workersPerRole); i++) {
        const id = `${name}-${role}-${i}`;
        const actor = createActor(machine, { input: { workerId: id, role } });
        actor.start();
        this.#actors.push({ id, role, actor });
        void this.#pullLoop(id, role, actor);
      }
    }
    const cancels = this.#options.bus.subscribe(this.#options.subjects.cancelAnyJob);
    this.#subscriptions.push(cancels);
    void this.#serveCancels(cancels);
    this.#beat();
    this.#heartbeat = setInterval(() => this.#beat(), this.#options.heartbeatMs);
    this.#heartbeat.unref();
  }

  stop(): void {
    this.#running = false;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    for (const sub of this.#subscriptions) sub.unsubscribe();
    for (const { actor } of this.#actors) actor.stop();
  }

  #beat(): void {
    const at = (this.#options.now ?? (() => new Date()))().toISOString();
    const resources = this.#gauge.sample();
    for (const { id, role, actor } of this.#actors) {
      const heartbeat: WorkerHeartbeat = {
        type: 'worker.heartbeat',
        worker: id,
        process: this.#options.name,
        roles: [role],
        busy: actor.getSnapshot().matches('working') ? 1 : 0,
        capacity: 1,
        at,
        resources,
        paused: this.#lowMemory ? 'low_memory' : null,
      };
      this.#options.bus.publish(this.#options.subjects.heartbeat, heartbeat);
    }
  }

  /** Whether the machine has too little memory to start work; logs each change once. */
  #memoryLow(): boolean {
    const min = this.#options.minFreeMemoryBytes ?? 0;
    if (min <= 0) return false;
    const free = this.#gauge.freeMemoryBytes();
    const low = free < min;
    if (low !== this.#lowMemory) {
      this.#lowMemory = low;
      const figures = { freeMb: Math.round(free / 2 ** 20), minFreeMb: Math.round(min / 2 ** 20), process: this.#options.name };
      if (low) this.#options.log.warn('taking no new work: the machine is short of memory', { ...figures, fix: 'free memory, or lower workerMinFreeMemoryMb' });
      else this.#options.log.info('taking work again: memory is back', figures);
    }
    return low;
  }

  async #pullLoop(id: string, role: Role, actor: WorkerActor): Promise<void> {
    while (this.#running) {
      if (this.#memoryLow()) {
        await new Promise((r) => setTimeout(r, LOW_MEMORY_RECHECK_MS));
        continue;
      }
      let delivery: WorkDelivery | null;
      try {
        delivery = await this.#options.queue.next(role, 1000);
      } catch (error) {
        if (!this.#running) return;
        this.#options.log.warn('could not pull work', { worker: id, error: String(error) });
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!delivery || !this.#running) {
        delivery?.nak();
        continue;
      }
      await this.#handle(id, actor, delivery);
    }
  }

  async #handle(id: string, actor: WorkerActor, delivery: WorkDelivery): Promise<void> {
    const parsed = WorkRequest.safeParse(delivery.payload);
    if (!parsed.success) {
      this.#options.log.error('dropped a malformed work request', { worker: id, problem: parsed.error.message });
      delivery.ack();
      return;
    }
    const request = parsed.data;
    const replyTo = this.#options.subjects.workReply(request.jobId, request.taskId, request.attempt);
    if (this.#cancelledJobs.has(request.jobId)) {
      this.#options.bus.publish(replyTo, failed(id, 'cancelled', 'job cancelled'));
      delivery.ack();
      return;
    }
    // A retry goes to another worker: give it back and stay out of the queue until it has been
    // redelivered, so an idle peer gets it. With no peer it comes back here and is taken.
    if (request.avoidWorker === id && delivery.deliveryCount <= 1) {
      delivery.nak(AVOID_NAK_MS);
      await new Promise((r) => setTimeout(r, AVOID_NAK_MS * 2));
      return;
    }
    const keepAlive = setInterval(() => delivery.working(), Math.max(500, this.#options.queue.ackWaitMs / 3));
    try {
      const reply = await this.#perform(actor, request);
      // Reply and ack share one connection, so the reply is out before the queue forgets the request.
      this.#options.bus.publish(replyTo, reply);
      delivery.ack();
    } finally {
      clearInterval(keepAlive);
    }
  }

  #perform(actor: WorkerActor, request: WorkRequest): Promise<WorkReply> {
    return new Promise((resolve) => {
      const subscription = actor.on('*', (notice: WorkerNotice) => {
        if (notice.request !== request) return;
        subscription.unsubscribe();
        resolve(
          notice.type === 'work.succeeded'
            ? { type: 'work.succeeded', worker: notice.worker, result: notice.result }
            : { type: 'work.failed', worker: notice.worker, error: notice.error },
        );
      });
      actor.send({ type: 'WORK', request });
    });
  }

  async #serveCancels(sub: BusSubscription): Promise<void> {
    for await (const msg of sub) {
      const parsed = CancelCommand.safeParse(msg.payload);
      if (!parsed.success) continue;
      this.#cancelledJobs.add(parsed.data.jobId);
      for (const { actor } of this.#actors) actor.send({ type: 'CANCEL_JOB', jobId: parsed.data.jobId });
    }
  }
}

function failed(worker: string, code: 'cancelled', message: string): WorkReply {
  return { type: 'work.failed', worker, error: { code, message } };
}
