import { createActor, fromPromise, type Actor } from 'xstate';
import {
  CancelCommand,
  WorkRequest,
  type Role,
  type Subjects,
  type WorkResult,
  type WorkReply,
} from '../../proto/index.js';
import { workerMachine, type WorkerNotice } from '../../machines/worker.machine.js';
import type { Bus, BusSubscription } from '../bus/bus.js';
import type { Logger } from '../log/logger.js';

export type PerformFn = (workerId: string, request: WorkRequest, signal: AbortSignal) => Promise<WorkResult>;

export interface WorkerPoolOptions {
  bus: Bus;
  subjects: Subjects;
  roles: readonly Role[];
  workersPerRole: number;
  perform: PerformFn;
  log: Logger;
  /** Distinguishes worker ids across processes. */
  name?: string;
}

type WorkerActor = Actor<typeof workerMachine>;
type Responder = (reply: WorkReply) => void;

const requestKey = (r: Pick<WorkRequest, 'jobId' | 'taskId' | 'attempt'>) => `${r.jobId}/${r.taskId}/${r.attempt}`;

/**
 * Worker actors for a set of roles. Each role's workers share one NATS queue
 * group; requests that arrive while every worker of the role is busy wait
 * here in arrival order.
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #workers = new Map<Role, WorkerActor[]>();
  readonly #backlog = new Map<Role, WorkRequest[]>();
  readonly #responders = new Map<string, Responder>();
  readonly #subscriptions: BusSubscription[] = [];

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  start(): void {
    const { bus, subjects, roles, workersPerRole, perform, name = 'local' } = this.#options;
    const machine = workerMachine.provide({
      actors: {
        perform: fromPromise(({ input, signal }) => perform(input.workerId, input.request, signal)),
      },
    });
    for (const role of roles) {
      const actors = Array.from({ length: Math.max(1, workersPerRole) }, (_, i) => {
        const actor = createActor(machine, { input: { workerId: `${name}-${role}-${i + 1}`, role } });
        actor.on('*', (notice) => this.#onNotice(role, notice));
        actor.start();
        return actor;
      });
      this.#workers.set(role, actors);
      this.#backlog.set(role, []);
      const sub = bus.subscribe(subjects.work(role), { queue: subjects.workQueueGroup(role) });
      this.#subscriptions.push(sub);
      void this.#serve(role, sub);
    }
    const cancels = bus.subscribe(subjects.cancelAnyJob);
    this.#subscriptions.push(cancels);
    void this.#serveCancels(cancels);
  }

  stop(): void {
    for (const sub of this.#subscriptions) sub.unsubscribe();
    for (const actors of this.#workers.values()) for (const actor of actors) actor.stop();
    for (const respond of this.#responders.values()) {
      respond({ type: 'work.failed', worker: 'pool', error: { code: 'worker_unavailable', message: 'worker stopped' } });
    }
    this.#responders.clear();
  }

  async #serve(role: Role, sub: BusSubscription): Promise<void> {
    for await (const msg of sub) {
      const parsed = WorkRequest.safeParse(msg.payload);
      if (!parsed.success || parsed.data.role !== role) {
        const message = parsed.success ? `request for ${parsed.data.role} sent to ${role}` : parsed.error.message;
        this.#options.log.warn('rejected malformed work request', { role, message });
        msg.respond({ type: 'work.failed', worker: 'pool', error: { code: 'bad_request', message } } satisfies WorkReply);
        continue;
      }
      this.#responders.set(requestKey(parsed.data), (reply) => msg.respond(reply));
      this.#backlog.get(role)?.push(parsed.data);
      this.#drain(role);
    }
  }

  async #serveCancels(sub: BusSubscription): Promise<void> {
    for await (const msg of sub) {
      const parsed = CancelCommand.safeParse(msg.payload);
      if (!parsed.success) continue;
      const { jobId } = parsed.data;
      for (const [role, queue] of this.#backlog) {
        const kept = queue.filter((r) => r.jobId !== jobId);
        for (const dropped of queue.filter((r) => r.jobId === jobId)) {
          this.#reply(dropped, { type: 'work.failed', worker: 'pool', error: { code: 'cancelled', message: 'job cancelled' } });
        }
        this.#backlog.set(role, kept);
      }
      for (const actors of this.#workers.values()) for (const actor of actors) actor.send({ type: 'CANCEL_JOB', jobId });
    }
  }

  #drain(role: Role): void {
    const queue = this.#backlog.get(role) ?? [];
    for (const actor of this.#workers.get(role) ?? []) {
      if (queue.length === 0) return;
      if (!actor.getSnapshot().matches('idle')) continue;
      const request = queue.shift();
      if (request) actor.send({ type: 'WORK', request });
    }
  }

  #onNotice(role: Role, notice: WorkerNotice): void {
    const reply: WorkReply =
      notice.type === 'work.succeeded'
        ? { type: 'work.succeeded', worker: notice.worker, result: notice.result }
        : { type: 'work.failed', worker: notice.worker, error: notice.error };
    this.#reply(notice.request, reply);
    // The worker turns idle in the same macrostep; take the next request after it settles.
    queueMicrotask(() => this.#drain(role));
  }

  #reply(request: WorkRequest, reply: WorkReply): void {
    const key = requestKey(request);
    const respond = this.#responders.get(key);
    this.#responders.delete(key);
    respond?.(reply);
  }
}
