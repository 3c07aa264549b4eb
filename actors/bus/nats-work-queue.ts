import { AckPolicy, JSONCodec, RetentionPolicy, StorageType, millis, nanos, type JetStreamClient, type NatsConnection } from 'nats';
import { workConsumerName, type Role, type Subjects, type WorkRequest } from '../../proto/index.js';
import type { WorkDelivery, WorkQueue } from './work-queue.js';

const codec = JSONCodec<unknown>();

export interface NatsWorkQueueOptions {
  connection: NatsConnection;
  subjects: Subjects;
  stream: string;
  roles: readonly Role[];
  ackWaitMs: number;
  maxDeliveries: number;
}

/** A JetStream work-queue stream with one durable pull consumer per role. */
export class NatsWorkQueue implements WorkQueue {
  readonly ackWaitMs: number;
  readonly #js: JetStreamClient;
  readonly #options: NatsWorkQueueOptions;
  readonly #consumers = new Map<Role, ReturnType<JetStreamClient['consumers']['get']>>();

  private constructor(options: NatsWorkQueueOptions) {
    this.#options = options;
    this.#js = options.connection.jetstream();
    this.ackWaitMs = options.ackWaitMs;
  }

  /**
   * Uses the stream and consumers the daemon made, without managing them: a
   * remote worker's NATS user may not. The ack wait is the consumers' own,
   * so a worker keeps its deliveries alive in time whatever its config says.
   */
  static async attach(options: Omit<NatsWorkQueueOptions, 'ackWaitMs' | 'maxDeliveries'>): Promise<NatsWorkQueue> {
    const js = options.connection.jetstream();
    let ackWaitMs = Number.POSITIVE_INFINITY;
    for (const role of options.roles) {
      const consumer = await js.consumers.get(options.stream, workConsumerName(role));
      ackWaitMs = Math.min(ackWaitMs, millis((await consumer.info(true)).config.ack_wait ?? nanos(30_000)));
    }
    if (!Number.isFinite(ackWaitMs)) throw new TypeError('attach to the work queue for at least one role');
    return new NatsWorkQueue({ ...options, ackWaitMs, maxDeliveries: 0 });
  }

  /** Creates the stream and consumers when missing; the daemon calls it, with its full-access user. */
  static async open(options: NatsWorkQueueOptions): Promise<NatsWorkQueue> {
    const jsm = await options.connection.jetstreamManager();
    const stream = {
      name: options.stream,
      subjects: [options.subjects.allWork],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
    };
    await jsm.streams.add(stream).catch(async () => jsm.streams.update(options.stream, stream));
    for (const role of options.roles) {
      const consumer = {
        durable_name: workConsumerName(role),
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(options.ackWaitMs),
        max_deliver: options.maxDeliveries,
        filter_subject: options.subjects.workForRole(role),
      };
      await jsm.consumers.add(options.stream, consumer).catch(async () => jsm.consumers.update(options.stream, workConsumerName(role), consumer));
    }
    return new NatsWorkQueue(options);
  }

  async submit(request: WorkRequest): Promise<void> {
    // The message id makes a re-run of the same attempt (a restored actor) a no-op.
    await this.#js.publish(this.#options.subjects.work(request.role, request.jobId, request.taskId), codec.encode(request), {
      msgID: `${request.jobId}.${request.taskId}.${request.attempt}`,
    });
  }

  async purgeJob(jobId: string): Promise<void> {
    const jsm = await this.#options.connection.jetstreamManager();
    await jsm.streams.purge(this.#options.stream, { filter: this.#options.subjects.workForJob(jobId) });
  }

  async next(role: Role, waitMs: number): Promise<WorkDelivery | null> {
    // Looked up once per role: every lookup is a round trip to the server.
    let lookup = this.#consumers.get(role);
    if (!lookup) {
      lookup = this.#js.consumers.get(this.#options.stream, workConsumerName(role));
      this.#consumers.set(role, lookup);
    }
    const consumer = await lookup;
    const msg = await consumer.next({ expires: Math.max(1000, waitMs) });
    if (!msg) return null;
    let payload: unknown = null;
    try {
      payload = codec.decode(msg.data);
    } catch {
      payload = null;
    }
    return {
      payload,
      deliveryCount: msg.info.redeliveryCount,
      ack: () => msg.ack(),
      nak: (delayMs) => msg.nak(delayMs),
      working: () => msg.working(),
    };
  }
}
