import type { JobEvent, JobRecord } from '../../proto/index.js';
import type { Logger } from '../log/logger.js';
import type { JobStore } from './job-store.js';

export interface TransitionWriterDeps {
  store: JobStore;
  publish: (event: JobEvent) => Promise<void>;
  log: Logger;
  /** Waits between retries of a failed save or publish; tests pass an instant one. */
  sleep?: (ms: number) => Promise<void>;
  /** The first retry's wait; it doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

type Pending = { record: JobRecord; events: JobEvent[]; final: boolean };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Saves a job's transitions, then publishes their events, in order. While a
 * save runs, later transitions pile up and are written together (the latest
 * record once), so a large job does not pay one fsync per event. A failed
 * save keeps its transitions and is tried again; an event is published only
 * after a save that holds it, and a failed publish is retried, so no event is
 * lost or reordered. `finished` resolves once the final record is saved and
 * every event before it published.
 */
export class TransitionWriter {
  readonly #deps: TransitionWriterDeps;
  #unsaved: Pending | null = null;
  /** Events whose record is on disk, waiting to be published, oldest first. */
  #outbox: JobEvent[] = [];
  #running = false;
  #stopped = false;
  #resolveFinished: (job: JobRecord) => void = () => {};
  #finalRecord: JobRecord | null = null;
  readonly finished: Promise<JobRecord>;

  constructor(deps: TransitionWriterDeps) {
    this.#deps = deps;
    this.finished = new Promise((resolve) => (this.#resolveFinished = resolve));
  }

  /** Queues a transition; `final` marks the job's last one. Nothing is queued after a final one. */
  write(record: JobRecord, events: readonly JobEvent[], final: boolean): void {
    if (this.#finalRecord) return;
    this.#unsaved = { record, events: [...(this.#unsaved?.events ?? []), ...events], final };
    if (!this.#running) void this.#drain();
  }

  /** Stops retrying (the daemon is shutting down); what was not saved is recovered from disk on resume. */
  stop(): void {
    this.#stopped = true;
  }

  #takeUnsaved(): Pending | null {
    const pending = this.#unsaved;
    this.#unsaved = null;
    return pending;
  }

  async #drain(): Promise<void> {
    this.#running = true;
    let delay = this.#deps.retryDelayMs ?? 100;
    const backoff = async (what: string, error: unknown) => {
      this.#deps.log.error(`could not ${what}; retrying in ${delay} ms`, { error: String(error) });
      await (this.#deps.sleep ?? defaultSleep)(delay);
      delay = Math.min(delay * 2, this.#deps.maxRetryDelayMs ?? 5000);
    };
    while (!this.#stopped && (this.#unsaved || this.#outbox.length > 0)) {
      const batch = this.#takeUnsaved();
      if (batch) {
        try {
          await this.#deps.store.save(batch.record);
        } catch (error) {
          // Newer transitions that arrived meanwhile carry the newer record; the older events go first.
          const newer = this.#takeUnsaved();
          this.#unsaved = newer ? { ...newer, events: [...batch.events, ...newer.events] } : batch;
          await backoff('save a job transition', error);
          continue;
        }
        this.#outbox.push(...batch.events);
        if (batch.final) this.#finalRecord = batch.record;
      }
      if (this.#outbox.length === 0) continue;
      try {
        await this.#deps.publish(this.#outbox[0] as JobEvent);
        this.#outbox.shift();
        delay = this.#deps.retryDelayMs ?? 100;
      } catch (error) {
        // Before the retry, the loop saves any newer transition: a slow bus never holds up the record.
        await backoff('publish a job event', error);
      }
    }
    this.#running = false;
    if (this.#finalRecord && this.#outbox.length === 0 && !this.#unsaved) this.#resolveFinished(this.#finalRecord);
  }
}
