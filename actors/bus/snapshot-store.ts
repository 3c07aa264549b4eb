import { JSONCodec, StorageType, type NatsConnection, type ObjectStore } from 'nats';
import { readSnapshotWithin } from './snapshot-decode.js';
import { RepoSnapshot } from '../../proto/index.js';

const codec = JSONCodec<unknown>();

/**
 * Repository snapshots in a JetStream object store: how a worker in another
 * process, or on another machine, sees the job's repository. Names are
 * `<jobId>.<commit>`, so a commit is uploaded once however many tasks read it.
 */
export class SnapshotStore {
  readonly #store: ObjectStore;
  /** Two tasks dispatched at once share a commit: concurrent puts of one name would corrupt it. */
  readonly #puts = new Map<string, Promise<void>>();

  private constructor(store: ObjectStore) {
    this.#store = store;
  }

  static async open(connection: NatsConnection, bucket: string): Promise<SnapshotStore> {
    const store = await connection.jetstream().views.os(bucket, { storage: StorageType.File, ttl: 7 * 86_400_000_000_000 });
    return new SnapshotStore(store);
  }

  /** Stores the snapshot under `name` unless it is there already; `load` runs only when it is not. */
  ensure(name: string, load: () => Promise<RepoSnapshot>): Promise<void> {
    let put = this.#puts.get(name);
    if (!put) {
      put = (async () => {
        if (await this.#store.info(name)) return;
        await this.#store.putBlob({ name }, codec.encode(await load()));
      })();
      this.#puts.set(name, put);
      // Forget settled puts; a failed one may be retried by the next task.
      void put.then(
        () => this.#puts.delete(name),
        () => this.#puts.delete(name),
      );
    }
    return put;
  }

  /**
   * Null when the snapshot is gone, does not parse, or does not arrive within
   * `timeoutMs`; a worker then works without context rather than hanging.
   */
  get(name: string, timeoutMs = 10_000): Promise<RepoSnapshot | null> {
    return readSnapshotWithin(() => this.#store.getBlob(name), timeoutMs);
  }
}
