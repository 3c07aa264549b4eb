import { JSONCodec, StorageType, type NatsConnection, type ObjectStore } from 'nats';
import { RepoSnapshot } from '../../proto/index.js';

const codec = JSONCodec<unknown>();

/**
 * Repository snapshots in a JetStream object store: how a worker in another
 * process, or on another machine, sees the job's repository. Names are
 * `<jobId>.<commit>`, so a commit is uploaded once however many tasks read it.
 */
export class SnapshotStore {
  readonly #store: ObjectStore;

  private constructor(store: ObjectStore) {
    this.#store = store;
  }

  static async open(connection: NatsConnection, bucket: string): Promise<SnapshotStore> {
    const store = await connection.jetstream().views.os(bucket, { storage: StorageType.File, ttl: 7 * 86_400_000_000_000 });
    return new SnapshotStore(store);
  }

  static nameFor(jobId: string, commit: string): string {
    return `${jobId}.${commit}`;
  }

  async put(name: string, snapshot: RepoSnapshot): Promise<void> {
    if (await this.#store.info(name)) return;
    await this.#store.putBlob({ name }, codec.encode(snapshot));
  }

  /** Null when the snapshot is gone or does not parse; a worker then works without context. */
  async get(name: string): Promise<RepoSnapshot | null> {
    const data = await this.#store.getBlob(name);
    if (!data) return null;
    try {
      const parsed = RepoSnapshot.safeParse(codec.decode(data));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
}
