/**
 * nats.js ignores credentials written in a server URL, so `--nats
 * nats://user:pass@host:4222` is split here into a bare URL (safe to print
 * and to write into daemon.json) and the credentials to connect with.
 */
export function splitNatsUrl(raw: string): { url: string; user?: string; pass?: string } {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new TypeError(`--nats: "${raw}" is not a URL; use nats://[user:password@]host:port`);
  }
  if (!['nats:', 'tls:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    throw new TypeError(`--nats: unsupported scheme "${parsed.protocol}"; use nats://host:port`);
  }
  const user = decodeURIComponent(parsed.username);
  const pass = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  const url = parsed.toString().replace(/\/$/, '');
  return { url, ...(user ? { user } : {}), ...(pass ? { pass } : {}) };
}
