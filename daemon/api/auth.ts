import { timingSafeEqual } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import type { ErrorBody } from './errors.js';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Every route needs `Authorization: Bearer <token>`; the token file is readable by its owner only. */
export function requireToken(token: string) {
  return createMiddleware(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    if (!given || !sameToken(given, token)) {
      const body: ErrorBody = {
        error: { code: 'unauthorized', message: 'missing or wrong bearer token; read it from the tokenFile named in daemon.json' },
      };
      return c.json(body, 401);
    }
    await next();
  });
}
