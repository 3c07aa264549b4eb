import { readFile } from 'node:fs/promises';
import { hc } from 'hono/client';
import type { z } from 'zod';
import { ProtocolError, WireError, type DaemonInfo } from '../proto/index.js';
import type { AppType } from '../daemon/api/app.js';
import { readDaemonFile } from './daemon-file.js';
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

export async function requireDaemon(home: string): Promise<Connection> {
  const connection = await connectToDaemon(home);
  if (!connection) {
    throw new CliError('unreachable', `no daemon is running for ${home}; start one with: autodev daemon start`);
  }
  return connection;
}

/** Calls the API; a refused connection becomes exit code 3 with a hint. */
export async function call<T extends Response>(connection: Connection, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw new CliError(
      'unreachable',
      `the daemon at ${connection.info.apiUrl} does not answer (${(error as Error).message}); check it with: autodev daemon status`,
      { cause: error },
    );
  }
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
