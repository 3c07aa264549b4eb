import type { Role, WorkRequest } from '../../proto/index.js';

/** One delivery of a work request; it comes back to some worker unless acked. */
export interface WorkDelivery {
  readonly payload: unknown;
  /** 1 on first delivery, more after a worker died or gave it back. */
  readonly deliveryCount: number;
  ack(): void;
  /** Gives the request back so another worker can take it after `delayMs`. */
  nak(delayMs?: number): void;
  /** Tells the queue the worker is alive and still on it; resets the ack timer. */
  working(): void;
}

/**
 * Durable dispatch of work: a request stays queued until a worker acks it,
 * and is delivered again when a worker dies holding it.
 */
export interface WorkQueue {
  submit(request: WorkRequest): Promise<void>;
  /** Drops every queued request of a job: after a crash or a cancel they would only waste a worker. */
  purgeJob(jobId: string): Promise<void>;
  /** The next request for `role`, or null when none came within `waitMs`. */
  next(role: Role, waitMs: number): Promise<WorkDelivery | null>;
  /** How long a delivery may go without `working()` before it is redelivered. */
  readonly ackWaitMs: number;
}
