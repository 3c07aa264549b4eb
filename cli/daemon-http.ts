import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { ProtocolError } from '../proto/errors.js';

/**
 * The CLI's HTTP transport to the daemon, over `node:http`. Node's global
 * `fetch` (and `Headers`, `Request`, `Response`) load all of undici, with
 * the tls, http2 and zlib built-ins it needs, and compile its parser's
 * WebAssembly: most of what a one-shot command like `autodev status JOB`
 * spent (issue 21). The daemon's API is plain HTTP on loopback, so the CLI
 * needs none of that; cli/client.ts builds every URL with the typed client.
 */

/** A JSON answer larger than this is refused rather than buffered: no answer of the API comes near it. */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export interface DaemonRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: URL;
  token: string;
  /** Sent as the JSON body, with its content type. */
  json?: unknown;
  signal?: AbortSignal;
  /** Bound on what `json()` and `text()` buffer (default MAX_ANSWER_BYTES). */
  maxBytes?: number;
}

/** The part of a fetch `Response` the CLI uses. The body is read once: `text()`, `json()` or `body`. */
export interface DaemonResponse {
  readonly status: number;
  readonly ok: boolean;
  text(): Promise<string>;
  /** The body parsed as JSON; a body that is not JSON rejects. */
  json(): Promise<unknown>;
  /** The body as a web stream, for the streaming answers (SSE, NDJSON); cancelling it closes the connection. */
  readonly body: ReadableStream<Uint8Array>;
}

/** Resolves once the answer's status and headers arrive; a refused or reset connection rejects. */
export function daemonRequest(request: DaemonRequest): Promise<DaemonResponse> {
  const payload = request.json === undefined ? undefined : Buffer.from(JSON.stringify(request.json));
  const headers: Record<string, string> = { authorization: `Bearer ${request.token}` };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    // No agent: one connection per request, closed with it, so nothing keeps a finished command's event loop alive.
    const req = httpRequest(request.url, { method: request.method, headers, agent: false, ...(request.signal ? { signal: request.signal } : {}) });
    req.once('error', reject);
    req.once('response', (res) => resolve(answer(res, request.maxBytes ?? MAX_ANSWER_BYTES)));
    req.end(payload);
  });
}

function answer(res: IncomingMessage, maxBytes: number): DaemonResponse {
  const status = res.statusCode ?? 0;
  let used = false;
  const take = () => {
    if (used) throw new Error('the body of this answer was already read');
    used = true;
  };
  const text = async () => {
    take();
    return readText(res, maxBytes);
  };
  return {
    status,
    ok: status >= 200 && status < 300,
    text,
    json: async () => JSON.parse(await text()) as unknown,
    get body() {
      take();
      return Readable.toWeb(res) as ReadableStream<Uint8Array>;
    },
  };
}

async function readText(res: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw tooLarge(maxBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        throw tooLarge(maxBytes);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('daemon_unreachable', `the daemon's answer broke off after ${size} bytes: ${(error as Error).message}`, undefined, { cause: error });
  }
  // An answer cut short (the daemon died mid-body) ends without an error event on some paths: the stream says so here.
  if (!res.complete) throw new ProtocolError('daemon_unreachable', `the daemon's answer broke off after ${size} bytes`);
  return Buffer.concat(chunks).toString('utf8');
}

/** Over the buffering bound: a bug on one side (or not autodevd), never worth a retry. */
const tooLarge = (maxBytes: number) =>
  new ProtocolError('internal', `the daemon's answer is larger than the ${maxBytes} bytes the CLI buffers; this is a bug, or what answers is not autodevd`);
