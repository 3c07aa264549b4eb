import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import { requireToken } from './auth.js';
import type { ErrorBody } from './errors.js';
import { sessionCookieName, type WebSessions } from './web-sessions.js';

/**
 * What a browser session may do: what the page shows and its two buttons.
 * Everything else (models, sandbox runs, NATS credentials, MCP, login codes)
 * stays behind the bearer token, so a session stolen through the browser is
 * worth less than the token.
 */
const SESSION_ROUTES: ReadonlyArray<{ method: string; path: RegExp }> = [
  { method: 'GET', path: /^\/jobs$/ },
  { method: 'POST', path: /^\/jobs$/ },
  { method: 'GET', path: /^\/jobs\/[^/]+$/ },
  { method: 'GET', path: /^\/jobs\/[^/]+\/events$/ },
  { method: 'GET', path: /^\/jobs\/[^/]+\/tasks\/[^/]+\/diff$/ },
  { method: 'GET', path: /^\/jobs\/[^/]+\/acceptance\/rounds\/[^/]+\/app$/ },
  { method: 'POST', path: /^\/jobs\/[^/]+\/cancel$/ },
  { method: 'POST', path: /^\/web\/logout$/ },
];

const SAFE_METHODS = new Set(['GET', 'HEAD']);

export function sessionAllows(method: string, path: string): boolean {
  return SESSION_ROUTES.some((route) => route.method === method && route.path.test(path));
}

/**
 * A state-changing request must come from the page itself. SameSite=Strict
 * already keeps the cookie off cross-site requests; the Origin check also
 * refuses a request from another page on the loopback host (another port is
 * the same site but not the same origin), which SameSite lets through.
 */
export function fromOwnOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  const host = c.req.header('host');
  if (!origin || !host || origin !== `http://${host}`) return false;
  const site = c.req.header('sec-fetch-site');
  return site === undefined || site === 'same-origin';
}

/** The session id the request's cookie names, if it is a live session. */
export function liveSession(c: Context, sessions: WebSessions, port: number): string | null {
  const id = getCookie(c, sessionCookieName(port));
  return id !== undefined && sessions.isSession(id) ? id : null;
}

function refuse(c: Context, status: 401 | 403, message: string) {
  const body: ErrorBody = { error: { code: 'unauthorized', message } };
  return c.json(body, status);
}

/**
 * The bearer token (the CLI), or a browser session on the routes the page
 * uses. A request that carries an Authorization header is judged by it alone,
 * so a wrong token is never rescued by a cookie.
 */
export function requireTokenOrSession(token: string, sessions: WebSessions | undefined, port: () => number) {
  const bearer = requireToken(token);
  return createMiddleware(async (c, next) => {
    if (sessions === undefined || c.req.header('authorization') !== undefined) return bearer(c, next);
    const session = liveSession(c, sessions, port());
    if (session === null) return bearer(c, next);
    if (!sessionAllows(c.req.method, c.req.path)) return refuse(c, 403, 'a browser session cannot use this route; use the CLI (autodev) with the API token');
    if (!SAFE_METHODS.has(c.req.method) && !fromOwnOrigin(c)) {
      return refuse(c, 403, 'a state-changing request from a browser must come from the autodev page itself (Origin and Sec-Fetch-Site)');
    }
    await next();
  });
}
