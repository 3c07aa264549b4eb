import { readFile } from 'node:fs/promises';
import { hc } from 'hono/client';
import type { z } from 'zod';
import { ProtocolError, WireError, type DaemonInfo } from '../proto/index.js';
import type { AppType } from '../daemon/api/app.js';
import { isProcessAlive, readDaemonFile } from './daemon-file.js';
import { CliError } from './errors.js';

export interface Connection {
  info: DaemonInfo;
  token: string;
  api: ReturnType<typeof hc<AppType>>;
}

export async function connectToDaemon(home: string): Promise<Connection | null> {
  const info = await readDaemonFile(home);
  if (!info) return null;
  let token: string;
  try {
    token = (await readFile(info.tokenFile, 'utf8')).trim();
  } catch (error) {
    throw new CliError('unreachable', `cannot read the daemon token ${info.tokenFile}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const api = hc<AppType>(info.apiUrl, { headers: { authorization: `Bearer ${token}` } });
  return { info, token, api };
}

/** Calls the API; a refused connection becomes exit code 3 with a hint. */
export async function call<T extends Response>(connection: Connection, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw new CliError('unreachable', notAnswering(connection.info, (error as Error).message), { cause: error });
  }
}

/**
 * Why the daemon did not answer and what to do. A daemon killed with -9
 * leaves daemon.json behind, so a dead pid means "start it", never "check
 * it" (which `autodev daemon status` itself would advise in a loop).
 */
export function notAnswering(info: DaemonInfo, why: string): string {
  if (!isProcessAlive(info.pid)) {
    return `the daemon (pid ${info.pid}) is no longer running: it stopped without cleaning up; start it again with: autodev daemon start`;
  }
  return `the daemon at ${info.apiUrl} (pid ${info.pid}) runs but does not answer (${why}); if it is still starting, wait and retry, else restart it with: autodev daemon stop, then autodev daemon start`;
}

/** Reads a JSON body, turning an error body back into a ProtocolError. */
export async function jsonOrThrow<S extends z.ZodType>(response: Response, schema: S): Promise<z.output<S>> {
  const body: unknown = await response.json().catch(() => null);
  if (response.ok) {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new ProtocolError('internal', `unexpected answer from the daemon: ${parsed.error.message}`);
  }
  const wire = WireError.safeParse((body as { error?: unknown } | null)?.error);
  if (wire.success) throw ProtocolError.fromWire(wire.data);
  throw new ProtocolError('internal', `the daemon answered HTTP ${response.status}`);
}
