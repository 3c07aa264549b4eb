import { createHash } from 'node:crypto';
import { JSONCodec, type NatsConnection } from 'nats';
import { z } from 'zod';
import { readSnapshotWithin } from './snapshot-decode.js';
import { RepoSnapshot, jetStreamApi, objectChunkSubject, objectMetaSubject, objectStreamName } from '../../proto/index.js';

const codec = JSONCodec<unknown>();

/** The answer to `$JS.API.STREAM.MSG.GET`: the stored message with its payload in base64, or an error. */
const MsgGetResponse = z.object({
  message: z.object({ seq: z.number().int().positive(), data: z.string().optional() }).optional(),
  error: z.object({ code: z.number(), description: z.string() }).optional(),
});

/** The part of nats.js's object metadata this reader needs. */
const ObjectMeta = z.object({
  nuid: z.string().min(1),
  size: z.number().int().nonnegative(),
  chunks: z.number().int().nonnegative(),
  digest: z.string(),
  deleted: z.boolean().optional(),
});

/** nats.js writes `SHA-256=` and the base64url digest, padded or not. */
function digestMatches(expected: string, data: Buffer): boolean {
  if (!expected.startsWith('SHA-256=')) return false;
  const want = expected.slice('SHA-256='.length).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return createHash('sha256').update(data).digest('base64url') === want;
}

/**
 * Reads repository snapshots from the object store with message reads only,
 * which is all a worker's NATS user may do (daemon/nats-permissions.ts).
 * nats.js's own reader creates a consumer, and whoever creates a consumer
 * picks the subject the server delivers to: a restricted user must not.
 */
export class SnapshotReader {
  readonly #nc: NatsConnection;
  readonly #bucket: string;
  readonly #api: string;

  constructor(connection: NatsConnection, bucket: string) {
    this.#nc = connection;
    this.#bucket = bucket;
    this.#api = jetStreamApi.messageGet(objectStreamName(bucket));
  }

  /**
   * Null when the snapshot is gone, corrupt, does not parse, or does not
   * arrive within `timeoutMs`; a worker then works without context rather
   * than hanging.
   */
  get(name: string, timeoutMs = 10_000): Promise<RepoSnapshot | null> {
    return readSnapshotWithin(() => this.#read(name, timeoutMs), timeoutMs);
  }

  async #read(name: string, timeoutMs: number): Promise<Buffer | null> {
    const metaMessage = await this.#get({ last_by_subj: objectMetaSubject(this.#bucket, name) }, timeoutMs);
    if (!metaMessage) return null;
    const meta = ObjectMeta.safeParse(JSON.parse(metaMessage.data.toString('utf8')));
    if (!meta.success || meta.data.deleted) return null;
    const subject = objectChunkSubject(this.#bucket, meta.data.nuid);
    const parts: Buffer[] = [];
    let seq = 0;
    for (let i = 0; i < meta.data.chunks; i++) {
      const chunk = await this.#get({ seq: seq + 1, next_by_subj: subject }, timeoutMs);
      if (!chunk) return null;
      parts.push(chunk.data);
      seq = chunk.seq;
    }
    const data = Buffer.concat(parts);
    return data.length === meta.data.size && digestMatches(meta.data.digest, data) ? data : null;
  }

  /** One stored message, or null when there is none. */
  async #get(query: Record<string, string | number>, timeoutMs: number): Promise<{ seq: number; data: Buffer } | null> {
    const reply = await this.#nc.request(this.#api, codec.encode(query), { timeout: timeoutMs });
    const parsed = MsgGetResponse.safeParse(codec.decode(reply.data));
    if (!parsed.success || parsed.data.error || !parsed.data.message) return null;
    return { seq: parsed.data.message.seq, data: Buffer.from(parsed.data.message.data ?? '', 'base64') };
  }
}
