import { JSONCodec } from 'nats';
import { RepoSnapshot } from '../../proto/index.js';

const codec = JSONCodec<unknown>();

/**
 * Reads a snapshot's bytes with `read` and parses them, or null: whether the
 * store is slow, the object missing or its content not a snapshot, a worker
 * then works without that context rather than hanging or failing.
 */
export async function readSnapshotWithin(read: () => Promise<Uint8Array | null>, timeoutMs: number): Promise<RepoSnapshot | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  const data = await Promise.race([read().catch(() => null), timeout]);
  clearTimeout(timer);
  if (!data) return null;
  try {
    const parsed = RepoSnapshot.safeParse(codec.decode(data));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
