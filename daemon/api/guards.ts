import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import type { ErrorBody } from './errors.js';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * DNS rebinding guard: a web page can point its own host name at 127.0.0.1
 * and then talk to the daemon as a "same-origin" site. The browser still
 * sends that name in Host, so only the loopback names with the API's own
 * port are answered.
 */
export function requireLoopbackHost(port: () => number) {
  return createMiddleware(async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase();
    const expected = port();
    if (!LOOPBACK_NAMES.some((name) => host === `${name}:${expected}`)) {
      const body: ErrorBody = {
        error: {
          code: 'bad_request',
          message: `this daemon answers only requests addressed to 127.0.0.1:${expected}, localhost:${expected} or [::1]:${expected} (the Host header names another host)`,
          data: { field: 'host' },
        },
      };
      return c.json(body, 421);
    }
    await next();
  });
}

/**
 * Refuses bodies over `maxBytes` with 413: from Content-Length before reading
 * anything, or while a chunked body streams in, so an oversize body is never
 * buffered whole.
 */
export function limitBody(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      // The rest of the body is not read: the connection cannot carry another request, and a client
      // that reused it would see it reset instead of this answer.
      c.header('connection', 'close');
      const body: ErrorBody = {
        error: {
          code: 'payload_too_large',
          message: `the request body is over the limit of ${maxBytes} bytes; send less, or raise apiMaxBodyBytes in config.json`,
          data: { limitBytes: maxBytes },
        },
      };
      return c.json(body, 413);
    },
  });
}
