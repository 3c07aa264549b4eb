import { createHash } from 'node:crypto';

/** Text to unit vectors. `name` and `dimension` are stored with a table, so a change of model is noticed. */
export interface Embedder {
  readonly name: string;
  readonly dimension: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Batches, and skips texts already embedded: re-ingesting a file after a
 * commit re-embeds only the chunks that changed. The cache is bounded LRU
 * by content hash; Map keeps insertion order, so the first key is the oldest.
 */
export class CachingEmbedder implements Embedder {
  readonly #inner: Embedder;
  readonly #cache = new Map<string, Float32Array>();
  readonly #capacity: number;
  readonly #batchSize: number;

  constructor(inner: Embedder, options: { capacity?: number; batchSize?: number } = {}) {
    this.#inner = inner;
    this.#capacity = options.capacity ?? 20_000;
    this.#batchSize = options.batchSize ?? 32;
  }

  get name(): string {
    return this.#inner.name;
  }

  get dimension(): number {
    return this.#inner.dimension;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const hashes = texts.map(contentHash);
    const missing = [...new Set(hashes.filter((hash) => !this.#cache.has(hash)))];
    const textOf = new Map(hashes.map((hash, i) => [hash, texts[i]!]));
    for (let i = 0; i < missing.length; i += this.#batchSize) {
      const batch = missing.slice(i, i + this.#batchSize);
      const vectors = await this.#inner.embed(batch.map((hash) => textOf.get(hash)!));
      batch.forEach((hash, j) => this.#remember(hash, vectors[j]!));
    }
    return hashes.map((hash) => {
      const vector = this.#cache.get(hash)!;
      this.#cache.delete(hash);
      this.#cache.set(hash, vector);
      return vector;
    });
  }

  #remember(hash: string, vector: Float32Array): void {
    this.#cache.set(hash, vector);
    while (this.#cache.size > this.#capacity) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
  }
}
