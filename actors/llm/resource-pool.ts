/**
 * Hands out a fixed set of resources (context sequences) first come, first
 * served, so concurrent workers share one loaded model fairly.
 */
export class ResourcePool<T> {
  readonly #free: T[];
  readonly #waiters: Array<(item: T) => void> = [];

  constructor(items: readonly T[]) {
    if (items.length === 0) throw new RangeError('a pool needs at least one item');
    this.#free = [...items];
  }

  async use<R>(fn: (item: T) => Promise<R>): Promise<R> {
    const item = await this.#acquire();
    try {
      return await fn(item);
    } finally {
      this.#release(item);
    }
  }

  #acquire(): Promise<T> {
    const item = this.#free.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #release(item: T): void {
    const next = this.#waiters.shift();
    if (next) next(item);
    else this.#free.push(item);
  }
}
