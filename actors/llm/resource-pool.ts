/**
 * Hands out a fixed set of resources (context sequences) first come, first
 * served, so concurrent workers share one loaded model fairly. A caller may
 * say which free item it prefers (the sequence that already holds its system
 * prompt), but never jumps the queue of waiting callers.
 */
export class ResourcePool<T> {
  readonly #free: T[];
  readonly #waiters: Array<(item: T) => void> = [];

  constructor(items: readonly T[]) {
    if (items.length === 0) throw new RangeError('a pool needs at least one item');
    this.#free = [...items];
  }

  get size(): number {
    return this.#free.length;
  }

  async use<R>(fn: (item: T) => Promise<R>, prefer?: (item: T) => boolean): Promise<R> {
    const item = await this.#acquire(prefer);
    try {
      return await fn(item);
    } finally {
      this.#release(item);
    }
  }

  #acquire(prefer?: (item: T) => boolean): Promise<T> {
    if (this.#free.length > 0) {
      const index = prefer ? Math.max(0, this.#free.findIndex(prefer)) : 0;
      const [item] = this.#free.splice(index, 1) as [T];
      return Promise.resolve(item);
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #release(item: T): void {
    const next = this.#waiters.shift();
    if (next) next(item);
    else this.#free.push(item);
  }
}
