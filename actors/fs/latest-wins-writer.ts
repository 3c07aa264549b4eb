/**
 * Serialises saves of one file and coalesces them: while a write runs, only
 * the newest value waits behind it, so a burst of changes costs two writes,
 * not one per change, and an older value never lands after a newer one.
 */
export class LatestWinsWriter<T> {
  readonly #write: (value: T) => Promise<void>;
  readonly #onError: (error: unknown) => void;
  #pending: { value: T } | null = null;
  #writing: Promise<void> | null = null;

  constructor(write: (value: T) => Promise<void>, onError: (error: unknown) => void) {
    this.#write = write;
    this.#onError = onError;
  }

  /** Queues the newest value; resolves when it (or a newer one) has been written or has failed. */
  save(value: T): Promise<void> {
    this.#pending = { value };
    this.#writing ??= this.#drain().finally(() => {
      this.#writing = null;
    });
    return this.#writing;
  }

  /** Resolves once no write is in flight. */
  idle(): Promise<void> {
    return this.#writing ?? Promise.resolve();
  }

  async #drain(): Promise<void> {
    while (this.#pending) {
      const { value } = this.#pending;
      this.#pending = null;
      try {
        await this.#write(value);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}
