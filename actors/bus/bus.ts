/**
 * The narrow transport every actor uses. Payloads are JSON; receivers parse
 * them with the proto/ schemas, because everything on the wire is untrusted.
 */
export interface BusMessage {
  readonly subject: string;
  /** The decoded JSON payload, still unvalidated. */
  readonly payload: unknown;
  /** Replies to a request; a no-op for plain publishes. */
  respond(payload: unknown): void;
}

export interface BusSubscription extends AsyncIterable<BusMessage> {
  unsubscribe(): void;
}

export interface Bus {
  /** Fire-and-forget, for commands whose loss a receiver can recover from. */
  publish(subject: string, payload: unknown): void;
  /** Stored in the event stream before it resolves, so late subscribers can replay it. */
  publishDurable(subject: string, payload: unknown): Promise<void>;
  subscribe(subject: string): BusSubscription;
  /** Every stored message on `subject` from the start, then live ones, until `signal` aborts. */
  replay(subject: string, signal: AbortSignal): AsyncIterable<BusMessage>;
}
