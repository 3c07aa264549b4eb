import {
  JSONCodec,
  RetentionPolicy,
  StorageType,
  nanos,
  type JetStreamClient,
  type NatsConnection,
  type NatsError,
} from 'nats';
import type { Bus, BusMessage, BusSubscription } from './bus.js';

const codec = JSONCodec<unknown>();

export interface NatsBusOptions {
  connection: NatsConnection;
  /** The JetStream stream that stores durable publishes. */
  stream: string;
}

export interface EventStreamOptions {
  name: string;
  subjects: string[];
  maxAgeMs: number;
}

/** Creates the event stream, or updates it to the wanted subjects and retention. */
export async function ensureEventStream(connection: NatsConnection, options: EventStreamOptions): Promise<void> {
  const jsm = await connection.jetstreamManager();
  const config = {
    name: options.name,
    subjects: options.subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(options.maxAgeMs),
  };
  try {
    await jsm.streams.info(options.name);
    await jsm.streams.update(options.name, config);
  } catch (error) {
    if (!isNatsError(error) || error.code !== '404') throw error;
    await jsm.streams.add(config);
  }
}

export class NatsBus implements Bus {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #stream: string;

  constructor(options: NatsBusOptions) {
    this.#nc = options.connection;
    this.#js = options.connection.jetstream();
    this.#stream = options.stream;
  }

  publish(subject: string, payload: unknown): void {
    this.#nc.publish(subject, codec.encode(payload));
  }

  async publishDurable(subject: string, payload: unknown): Promise<void> {
    await this.#js.publish(subject, codec.encode(payload));
  }

  subscribe(subject: string): BusSubscription {
    const sub = this.#nc.subscribe(subject);
    return {
      unsubscribe: () => sub.unsubscribe(),
      async *[Symbol.asyncIterator]() {
        for await (const msg of sub) {
          const decoded = safeDecode(msg.data);
          if (decoded === undefined) continue;
          yield {
            subject: msg.subject,
            payload: decoded.value,
            respond: (reply: unknown) => {
              if (msg.reply) msg.respond(codec.encode(reply));
            },
          } satisfies BusMessage;
        }
      },
    };
  }

  async *replay(subject: string, signal: AbortSignal): AsyncIterable<BusMessage> {
    // A single filter string, not an array: arrays need server 2.10 and hang on 2.9.
    const consumer = await this.#js.consumers.get(this.#stream, { filterSubjects: subject });
    const messages = await consumer.consume();
    const stop = () => void messages.close();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const msg of messages) {
        const decoded = safeDecode(msg.data);
        if (decoded === undefined) continue;
        yield { subject: msg.subject, payload: decoded.value, respond: () => {} };
      }
    } finally {
      signal.removeEventListener('abort', stop);
      stop();
    }
  }
}

/** A message that is not JSON is dropped here; schema checks happen in the receiver. */
function safeDecode(data: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: codec.decode(data) };
  } catch {
    return undefined;
  }
}

function isNatsError(error: unknown): error is NatsError {
  return error instanceof Error && 'code' in error && typeof error.code === 'string';
}
