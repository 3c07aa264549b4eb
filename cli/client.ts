import { readFile } from 'node:fs/promises';
import { hc, type InferRequestType } from 'hono/client';
import type { z } from 'zod';
import { ProtocolError, WireError, type DaemonInfo } from '../proto/index.js';
import type { AppType } from '../daemon/api/app.js';
import { isProcessAlive, readDaemonFile } from './daemon-file.js';
import { daemonRequest, type DaemonResponse } from './daemon-http.js';
import { CliError } from './errors.js';

export type { DaemonResponse } from './daemon-http.js';

export interface Connection {
  info: DaemonInfo;
  token: string;
  /**
   * The typed client: the one source of the API's URLs and of what each route takes. Only its
   * `$url` is used; its request methods would call the global fetch (see cli/daemon-http.ts).
   */
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
  return { info, token, api: hc<AppType>(info.apiUrl) };
}

type Verb = '$get' | '$post' | '$delete';
const METHODS = { $get: 'GET', $post: 'POST', $delete: 'DELETE' } as const;

/** What the route's method takes (param, query, json), as the daemon's validators say; optional when nothing is required. */
type Input<F> = {} extends InferRequestType<F> ? [input?: InferRequestType<F>] : [input: InferRequestType<F>];

/** What every route's `$url` accepts; hc's own signature is per route, which a generic `send` cannot name. */
interface UrlBuilder {
  $url(arg?: { param?: unknown; query?: unknown }): URL;
}
interface UntypedInput {
  param?: unknown;
  query?: unknown;
  json?: unknown;
}

/**
 * Calls one route of the API, e.g. `send(c, c.api.jobs[':id'].cancel, '$post', { param: { id }, json: {} })`:
 * the URL comes from the typed client and the input is checked against the route's validators at compile
 * time. A refused or reset connection becomes exit code 3 with a hint.
 */
export async function send<R extends object, M extends Verb & keyof R>(connection: Connection, route: R, method: M, ...[input]: Input<R[M]>): Promise<DaemonResponse> {
  const { param, query, json } = (input ?? {}) as UntypedInput;
  const url = (route as unknown as UrlBuilder).$url({ ...(param ? { param } : {}), ...(query ? { query } : {}) });
  try {
    return await daemonRequest({ method: METHODS[method], url, token: connection.token, ...(json !== undefined ? { json } : {}) });
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

/** Reads a JSON body, validated with a proto/ schema (the daemon's answer is outside input), turning an error body back into a ProtocolError. */
export async function jsonOrThrow<S extends z.ZodType>(response: DaemonResponse, schema: S): Promise<z.output<S>> {
  // Rejects with a ProtocolError of its own: too large (internal) or broken off (daemon_unreachable).
  const text = await response.text();
  // A body that is not JSON (a proxy's page) is judged by its status below.
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  if (response.ok) {
    // Without zod's compiled fast path (new Function per object schema), which pays off only when a schema
    // parses many times: a command parses each answer once (`status JOB`: 2 to 4 ms less, measured).
    const parsed = schema.safeParse(body, { jitless: true });
    if (parsed.success) return parsed.data;
    throw new ProtocolError('internal', `unexpected answer from the daemon: ${parsed.error.message}`);
  }
  const wire = WireError.safeParse((body as { error?: unknown } | null)?.error, { jitless: true });
  if (wire.success) throw ProtocolError.fromWire(wire.data);
  throw new ProtocolError('internal', `the daemon answered HTTP ${response.status}`);
}
