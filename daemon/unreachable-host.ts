import { ProtocolError } from '../proto/index.js';

/**
 * What a failed connection says somewhere in its error: undici's "fetch
 * failed" (node-llama-cpp keeps only that text, not the cause) or a socket
 * or DNS code. An HTTP answer of 404 or a bad hash is not one of these.
 */
const NETWORK_FAILURE = /\bfetch failed\b|\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ENETUNREACH|EHOSTUNREACH|ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT)\b/;

function mentionsNetworkFailure(error: unknown): boolean {
  // Causes nest (ProtocolError → node-llama-cpp's Error → TypeError → the socket's error); a few levels cover them.
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (NETWORK_FAILURE.test(current.message) || (typeof code === 'string' && NETWORK_FAILURE.test(code))) return true;
  }
  return false;
}

/** The host a model download talks to first: the URL's own, or the Hugging Face endpoint for an hf: URI or an alias. */
export function downloadHost(target: string, hfEndpoint: string): string {
  const url = /^https?:\/\//.test(target) ? target : hfEndpoint;
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * Turns a download that could not connect into `unavailable`, naming the
 * host, so the user learns the network is the problem (not their arguments)
 * and how to go on offline. Any other error passes through unchanged.
 */
export function asUnreachableHost(error: unknown, host: string, offline: string): unknown {
  if (!mentionsNetworkFailure(error)) return error;
  if (error instanceof ProtocolError && error.code === 'cancelled') return error;
  return new ProtocolError(
    'unavailable',
    `could not reach ${host} to download the model (no network, or the host is down); check the connection or the endpoint (--hf-endpoint, "models.hfEndpoint") and pull again. ${offline}`,
    { host },
    { cause: error },
  );
}
