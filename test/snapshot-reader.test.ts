import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { startEmbeddedNats, type EmbeddedNats } from '../actors/engines/nats-server.js';
import { SnapshotReader } from '../actors/bus/snapshot-reader.js';
import { SnapshotStore } from '../actors/bus/snapshot-store.js';
import { rolePermissions } from '../daemon/nats-permissions.js';
import { createSubjects, snapshotBucketName, type RepoSnapshot } from '../proto/index.js';
import { tempDir } from './helpers/env.js';

/**
 * A remote worker reads repository snapshots with its own NATS user, whose
 * permissions (daemon/nats-permissions.ts) allow message reads of the
 * snapshot stream and nothing that creates a consumer. Real nats-server.
 */
describe('SnapshotReader under the worker\'s permissions', () => {
  const dir = tempDir('nats-snapshots');
  const subjects = createSubjects();
  const bucket = snapshotBucketName(subjects.prefix);
  let server: EmbeddedNats;
  let owner: NatsConnection;
  let worker: NatsConnection;
  let store: SnapshotStore;

  beforeAll(async () => {
    const { publish, subscribe, inboxPrefix } = rolePermissions('worker', subjects);
    server = await startEmbeddedNats({
      dir: dir.path,
      user: 'owner',
      password: 'owner-password-0123456789',
      restrictedUsers: [{ user: 'worker', password: 'worker-password-0123456789', publish, subscribe }],
    });
    owner = await connect({ servers: server.url, user: 'owner', pass: 'owner-password-0123456789' });
    worker = await connect({ servers: server.url, user: 'worker', pass: 'worker-password-0123456789', inboxPrefix: inboxPrefix ?? undefined });
    store = await SnapshotStore.open(owner, bucket);
  });
  afterAll(async () => {
    await worker?.close();
    await owner?.close();
    await server?.stop();
    dir.cleanup();
  });

  it('reads a snapshot of several chunks exactly as stored', async () => {
    // Over nats.js's 128 KiB chunk size, so the reader has to walk chunks in order.
    const snapshot: RepoSnapshot = {
      commit: 'c'.repeat(40),
      files: Array.from({ length: 40 }, (_, i) => ({ path: `src/f${i}.ts`, content: `// ${i}\n${'x'.repeat(9000)}\n` })),
    };
    await store.ensure('j1.abc', async () => snapshot);
    expect(await new SnapshotReader(worker, bucket).get('j1.abc')).toEqual(snapshot);
  });

  it('answers null for a snapshot that is not there, without waiting out its timeout', async () => {
    // A timeout far longer than any load could stretch a lookup: answering before it shows it was not waited out.
    const started = Date.now();
    expect(await new SnapshotReader(worker, bucket).get('j1.missing', 120_000)).toBeNull();
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('cannot read it through nats.js\'s object store, which would create a consumer', async () => {
    const read = async () => (await worker.jetstream().views.os(bucket)).getBlob('j1.abc');
    await expect(read()).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
  });
});
