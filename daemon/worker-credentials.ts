import { readFile, stat } from 'node:fs/promises';
import { connect, type NatsConnection } from 'nats';
import { AutodevError } from '../proto/errors.js';
import { NatsCredentials } from '../proto/nats-credentials.js';

export interface WorkerTarget {
  url: string;
  user?: string;
  pass?: string;
  /** The inbox the user may subscribe to; from the credentials when they name one. */
  inboxPrefix?: string;
}

const FETCH_HINT = 'get fresh ones on the daemon\'s machine with: autodev workers credentials --out FILE';

/**
 * Reads the file `autodev workers credentials --out FILE` wrote. A file others
 * can read is refused: it is a password, and it would let them act as a
 * worker.
 */
export async function readWorkerCredentials(file: string): Promise<WorkerTarget> {
  const info = await stat(file).catch((error: Error) => {
    throw new AutodevError('bad_request', `cannot read --credentials ${file}: ${error.message}; ${FETCH_HINT}`);
  });
  if ((info.mode & 0o077) !== 0) throw new AutodevError('forbidden', `--credentials ${file} can be read by other users; run: chmod 600 ${file}`);
  let parsed;
  try {
    parsed = NatsCredentials.safeParse(JSON.parse(await readFile(file, 'utf8')));
  } catch (error) {
    throw new AutodevError('bad_request', `--credentials ${file} is not JSON (${(error as Error).message}); ${FETCH_HINT}`);
  }
  if (!parsed.success) throw new AutodevError('bad_request', `--credentials ${file} is not a credentials object; ${FETCH_HINT}`);
  if (parsed.data.role !== 'worker') throw new AutodevError('bad_request', `--credentials ${file} holds ${parsed.data.role} credentials, which cannot run workers; ${FETCH_HINT}`);
  const { url, user, password, inboxPrefix } = parsed.data;
  return { url, user, pass: password, ...(inboxPrefix ? { inboxPrefix } : {}) };
}

/**
 * Connects with the worker's inbox prefix: its user may subscribe to that
 * inbox only, so nats.js must put every reply it waits for there.
 */
export async function connectWorker(target: WorkerTarget, defaultInbox: string): Promise<NatsConnection> {
  try {
    return await connect({
      servers: target.url,
      user: target.user,
      pass: target.pass,
      inboxPrefix: target.inboxPrefix ?? defaultInbox,
      name: 'autodevd-worker',
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'AUTHORIZATION_VIOLATION') throw new AutodevError('unauthorized', `the daemon's NATS refused these credentials; ${FETCH_HINT}`, { cause: error });
    throw error;
  }
}
