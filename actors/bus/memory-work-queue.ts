import type { Role, Subjects, WorkRequest } from '../../proto/index.js';
import { subjectMatches } from './subject-match.js';
import type { WorkDelivery, WorkQueue } from './work-queue.js';

export interface MemoryWorkQueueOptions {
  subjects: Subjects;
  /** One consumer per role, as `NatsWorkQueue.open` creates; `next` for another role fails. */
  roles: readonly Role[];
  ackWaitMs: number;
  /** Deliveries after which a request that is never acked is given up, as JetStream's max_deliver. */
  maxDeliveries: number;
  /** How long a repeated submit of the same attempt is ignored (JetStream's duplicate window, 2 minutes by default). */
  duplicateWindowMs?: number;
  now?: () => number;
}

interface StoredRequest {
  readonly seq: number;
  readonly subject: string;
  readonly json: string;
  /** Deliveries so far; the current one is the only one whose `working` and `nak` count. */
  deliveries: number;
  state: 'ready' | 'in_flight' | 'delayed';
  timer: NodeJS.Timeout | null;
}

interface Waiter {
  resolve: (delivery: WorkDelivery | null) => void;
  timer: NodeJS.Timeout;
  connection: Connection;
}

interface Consumer {
  readonly filter: string;
  readonly waiters: Waiter[];
}

/** A client of the queue; a killed one is a process that died: whatever it sends after that never arrives. */
interface Connection {
  alive: boolean;
}

/**
 * The work queue in one process, for unit tests of the dispatch and worker
 * path. It keeps the JetStream semantics those paths rely on: each request
 * goes to one worker of the consumer whose role filter matches its subject;
 * it is redelivered when not acked within the ack wait (`working` resets the
 * wait), given back at once or after a delay by `nak`, given up after
 * `maxDeliveries`; a repeated submit of the same attempt is a no-op; purge
 * drops a job's requests, in flight or not.
 *
 * `connect()` hands out a further client with `kill()`, to model a worker
 * process that dies holding a request.
 */
export class MemoryWorkQueue implements WorkQueue {
  readonly ackWaitMs: number;
  readonly #options: MemoryWorkQueueOptions;
  readonly #now: () => number;
  readonly #requests = new Map<number, StoredRequest>();
  readonly #consumers = new Map<Role, Consumer>();
  readonly #recentIds = new Map<string, number>();
  readonly #self: Connection = { alive: true };
  #seq = 0;
  #closed = false;

  constructor(options: MemoryWorkQueueOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.ackWaitMs = options.ackWaitMs;
    for (const role of options.roles) this.#consumers.set(role, { filter: options.subjects.workForRole(role), waiters: [] });
  }

  submit(request: WorkRequest): Promise<void> {
    return this.#submit(this.#self, request);
  }

  purgeJob(jobId: string): Promise<void> {
    return this.#purgeJob(this.#self, jobId);
  }

  next(role: Role, waitMs: number): Promise<WorkDelivery | null> {
    return this.#next(this.#self, role, waitMs);
  }

  /** Another client of the same queue, as a second process's connection to the server would be. */
  connect(): WorkQueue & { kill(): void } {
    const connection: Connection = { alive: true };
    return {
      ackWaitMs: this.ackWaitMs,
      submit: (request) => this.#submit(connection, request),
      purgeJob: (jobId) => this.#purgeJob(connection, jobId),
      next: (role, waitMs) => this.#next(connection, role, waitMs),
      kill: () => {
        connection.alive = false;
        // Its pending pulls die with it; the server never delivers to a dead client.
        for (const consumer of this.#consumers.values()) {
          for (const waiter of consumer.waiters.filter((w) => w.connection === connection)) this.#dropWaiter(consumer, waiter, null);
        }
      },
    };
  }

  /** Requests still stored (queued, in flight or waiting for a redelivery): what a test can assert on. */
  get pending(): number {
    return this.#requests.size;
  }

  /** Stops every timer and answers every waiting pull with null. */
  close(): void {
    this.#closed = true;
    for (const request of this.#requests.values()) if (request.timer) clearTimeout(request.timer);
    this.#requests.clear();
    for (const consumer of this.#consumers.values()) for (const waiter of [...consumer.waiters]) this.#dropWaiter(consumer, waiter, null);
  }

  async #submit(connection: Connection, request: WorkRequest): Promise<void> {
    this.#checkUsable(connection);
    const subject = this.#options.subjects.work(request.role, request.jobId, request.taskId);
    // Same message id as NatsWorkQueue: a re-run of the same attempt (a restored actor) is a no-op.
    const id = `${request.jobId}.${request.taskId}.${request.attempt}`;
    const now = this.#now();
    const seenAt = this.#recentIds.get(id);
    if (seenAt !== undefined && now - seenAt < (this.#options.duplicateWindowMs ?? 120_000)) return;
    this.#recentIds.set(id, now);
    const stored: StoredRequest = { seq: ++this.#seq, subject, json: JSON.stringify(request), deliveries: 0, state: 'ready', timer: null };
    this.#requests.set(stored.seq, stored);
    this.#dispatch();
  }

  async #purgeJob(connection: Connection, jobId: string): Promise<void> {
    this.#checkUsable(connection);
    const filter = this.#options.subjects.workForJob(jobId);
    for (const request of [...this.#requests.values()]) {
      if (subjectMatches(filter, request.subject)) this.#remove(request);
    }
  }

  async #next(connection: Connection, role: Role, waitMs: number): Promise<WorkDelivery | null> {
    this.#checkUsable(connection);
    const consumer = this.#consumers.get(role);
    if (!consumer) throw new Error(`no work consumer for role "${role}": open the queue with it in roles`);
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, connection, timer: setTimeout(() => this.#dropWaiter(consumer, waiter, null), waitMs) };
      consumer.waiters.push(waiter);
      this.#dispatch();
    });
  }

  #checkUsable(connection: Connection): void {
    if (this.#closed || !connection.alive) throw new Error('the work queue connection is closed');
  }

  #dropWaiter(consumer: Consumer, waiter: Waiter, delivery: WorkDelivery | null): void {
    const index = consumer.waiters.indexOf(waiter);
    if (index < 0) return;
    consumer.waiters.splice(index, 1);
    clearTimeout(waiter.timer);
    waiter.resolve(delivery);
  }

  /** Hands ready requests, oldest first, to waiting pulls of the consumer that matches each. */
  #dispatch(): void {
    const ready = [...this.#requests.values()].filter((r) => r.state === 'ready').sort((a, b) => a.seq - b.seq);
    for (const request of ready) {
      const consumer = [...this.#consumers.values()].find((c) => subjectMatches(c.filter, request.subject));
      const waiter = consumer?.waiters[0];
      if (!consumer || !waiter) continue;
      this.#dropWaiter(consumer, waiter, this.#deliver(request, waiter.connection));
    }
  }

  #deliver(request: StoredRequest, connection: Connection): WorkDelivery {
    request.deliveries++;
    request.state = 'in_flight';
    const delivery = request.deliveries;
    this.#arm(request, this.ackWaitMs);
    // Only the current delivery of a live client may steer the request; an ack is honoured from any
    // delivery, as JetStream acks by stream sequence: the work was done, whoever finished it.
    const current = () => connection.alive && !this.#closed && this.#requests.get(request.seq) === request && request.deliveries === delivery;
    return {
      payload: JSON.parse(request.json),
      deliveryCount: delivery,
      ack: () => {
        if (connection.alive && this.#requests.get(request.seq) === request) this.#remove(request);
      },
      nak: (delayMs) => {
        if (!current() || request.state !== 'in_flight') return;
        if (delayMs && delayMs > 0) {
          request.state = 'delayed';
          this.#arm(request, delayMs);
        } else {
          this.#makeReady(request);
        }
      },
      working: () => {
        if (current() && request.state === 'in_flight') this.#arm(request, this.ackWaitMs);
      },
    };
  }

  /** (Re)starts the timer after which the request is delivered again. */
  #arm(request: StoredRequest, ms: number): void {
    if (request.timer) clearTimeout(request.timer);
    request.timer = setTimeout(() => this.#makeReady(request), ms);
  }

  #makeReady(request: StoredRequest): void {
    if (request.timer) clearTimeout(request.timer);
    request.timer = null;
    if (this.#requests.get(request.seq) !== request) return;
    // JetStream stops delivering a request after max_deliver; nothing will ever take it.
    if (request.deliveries >= this.#options.maxDeliveries) {
      this.#remove(request);
      return;
    }
    request.state = 'ready';
    this.#dispatch();
  }

  #remove(request: StoredRequest): void {
    if (request.timer) clearTimeout(request.timer);
    request.timer = null;
    this.#requests.delete(request.seq);
  }
}
