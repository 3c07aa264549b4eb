import type { Bus, BusMessage, BusSubscription } from './bus.js';
import { checkSubject, subjectMatches } from './subject-match.js';

/**
 * Messages queued for one iterator. NATS delivers into a buffer the reader
 * drains at its own pace, so a slow reader never blocks a publisher.
 */
class MessageChannel implements AsyncIterableIterator<BusMessage> {
  readonly #buffer: BusMessage[] = [];
  #waiting: ((result: IteratorResult<BusMessage>) => void) | null = null;
  #ended = false;

  constructor(private readonly onReturn: () => void) {}

  push(message: BusMessage): void {
    if (this.#ended) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = null;
      resolve({ value: message, done: false });
    } else {
      this.#buffer.push(message);
    }
  }

  /** Ends the iteration once the buffer is drained, as an unsubscribed NATS subscription does. */
  end(): void {
    this.#ended = true;
    if (this.#waiting && this.#buffer.length === 0) {
      const resolve = this.#waiting;
      this.#waiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<BusMessage>> {
    const message = this.#buffer.shift();
    if (message) return Promise.resolve({ value: message, done: false });
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  /** Leaving a for-await loop early stops the subscription: nobody reads it any more. */
  return(): Promise<IteratorResult<BusMessage>> {
    this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<BusMessage> {
    return this;
  }
}

interface Subscriber {
  filter: string;
  channel: MessageChannel;
}

interface StoredMessage {
  subject: string;
  json: string;
}

export interface MemoryBusOptions {
  /** The subjects the event stream captures, as `ensureEventStream` configures; by default every subject. */
  streamSubjects?: readonly string[];
}

export class NoRespondersError extends Error {
  constructor(subject: string) {
    super(`no subscriber listens on "${subject}"`);
    this.name = 'NoRespondersError';
  }
}

export class NoStreamError extends Error {
  constructor(subject: string) {
    super(`no stream captures "${subject}": add its subjects to streamSubjects`);
    this.name = 'NoStreamError';
  }
}

export class RequestTimeoutError extends Error {
  constructor(subject: string, timeoutMs: number) {
    super(`no reply on "${subject}" within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/**
 * The Bus in one process, for unit tests of actors: subjects and wildcards as
 * NATS matches them, payloads copied through JSON as the wire would, the
 * event stream kept for replay, and request/reply. Delivery is at most once
 * and only to subscriptions that existed when the message was published.
 */
export class MemoryBus implements Bus {
  readonly #subscribers = new Set<Subscriber>();
  readonly #stored: StoredMessage[] = [];
  readonly #streamSubjects: readonly string[];

  constructor(options: MemoryBusOptions = {}) {
    this.#streamSubjects = options.streamSubjects ?? ['>'];
    for (const filter of this.#streamSubjects) checkSubject(filter, { wildcards: true });
  }

  publish(subject: string, payload: unknown): void {
    checkSubject(subject, { wildcards: false });
    this.#deliver(subject, encode(payload), () => {});
  }

  async publishDurable(subject: string, payload: unknown): Promise<void> {
    checkSubject(subject, { wildcards: false });
    // JetStream refuses a publish no stream captures; the caller learns its event would be lost.
    if (!this.#streamSubjects.some((filter) => subjectMatches(filter, subject))) {
      throw new NoStreamError(subject);
    }
    const json = encode(payload);
    this.#stored.push({ subject, json });
    this.#deliver(subject, json, () => {});
  }

  subscribe(subject: string): BusSubscription {
    checkSubject(subject, { wildcards: true });
    const subscriber: Subscriber = { filter: subject, channel: new MessageChannel(() => unsubscribe()) };
    const unsubscribe = () => {
      this.#subscribers.delete(subscriber);
      subscriber.channel.end();
    };
    this.#subscribers.add(subscriber);
    return { unsubscribe, [Symbol.asyncIterator]: () => subscriber.channel };
  }

  async *replay(subject: string, signal: AbortSignal): AsyncIterable<BusMessage> {
    checkSubject(subject, { wildcards: true });
    // Subscribing and copying the stored messages in the same tick: none is missed or seen twice.
    const live = this.subscribe(subject);
    const stored = this.#stored.filter((m) => subjectMatches(subject, m.subject));
    const stop = () => live.unsubscribe();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for (const message of stored) {
        if (signal.aborted) return;
        yield { subject: message.subject, payload: decode(message.json), respond: () => {} };
      }
      for await (const message of live) {
        if (signal.aborted) return;
        yield { subject: message.subject, payload: message.payload, respond: () => {} };
      }
    } finally {
      signal.removeEventListener('abort', stop);
      stop();
    }
  }

  /**
   * Sends `payload` and resolves with the first reply. Like NATS, it fails at
   * once when nobody listens, and after `timeoutMs` when nobody answers.
   */
  request(subject: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    checkSubject(subject, { wildcards: false });
    return new Promise((resolve, reject) => {
      let answered = false;
      const timer = setTimeout(() => {
        answered = true;
        reject(new RequestTimeoutError(subject, timeoutMs));
      }, timeoutMs);
      const respond = (reply: unknown) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        resolve(decode(encode(reply)));
      };
      if (this.#deliver(subject, encode(payload), respond) === 0) {
        answered = true;
        clearTimeout(timer);
        reject(new NoRespondersError(subject));
      }
    });
  }

  /** Hands a copy to every matching subscription; returns how many got one. */
  #deliver(subject: string, json: string, respond: (reply: unknown) => void): number {
    let delivered = 0;
    for (const subscriber of this.#subscribers) {
      if (!subjectMatches(subscriber.filter, subject)) continue;
      subscriber.channel.push({ subject, payload: decode(json), respond });
      delivered++;
    }
    return delivered;
  }
}

/** Through JSON as on the wire: receivers get their own copy, and nothing that JSON cannot carry. */
function encode(payload: unknown): string {
  const json = JSON.stringify(payload);
  if (json === undefined) throw new TypeError('the payload has no JSON form (undefined or a function)');
  return json;
}

function decode(json: string): unknown {
  return JSON.parse(json);
}
