import { createMiddleware } from 'hono/factory';

/**
 * No inline script or style, nothing from another origin, no framing, and
 * Trusted Types with no policy: assigning a string to innerHTML (or any other
 * HTML sink) throws, so a job's text can reach the page only as text.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  // The login link's one-time code must not travel on to anything the page links to.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** On every answer, the API's JSON too: a browser may be pointed at any of them. */
export function securityHeaders() {
  return createMiddleware(async (c, next) => {
    await next();
    try {
      for (const [name, value] of Object.entries(HEADERS)) c.res.headers.set(name, value);
    } catch {
      // A Response passed through from elsewhere (MCP) may have immutable headers: copy it.
      const headers = new Headers(c.res.headers);
      for (const [name, value] of Object.entries(HEADERS)) headers.set(name, value);
      c.res = new Response(c.res.body, { status: c.res.status, statusText: c.res.statusText, headers });
    }
  });
}
