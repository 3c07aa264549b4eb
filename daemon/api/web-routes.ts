import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono, type Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { WebLoginLink } from '../../proto/index.js';
import { liveSession } from './web-auth.js';
import { sessionCookieName, type WebSessions } from './web-sessions.js';

/** What the daemon needs to serve the web view (web/, built into dist/web by scripts/build-web.ts). */
export interface WebDeps {
  sessions: WebSessions;
  /** The built page: index.html, style.css and the ES modules. */
  assetsDir: string;
}

const ASSET = /^[a-z0-9-]+\.(js|css)$/;
const CONTENT_TYPES: Readonly<Record<string, string>> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/** Pages for a browser with no session: plain text in markup we wrote, with no script. */
function notice(c: Context, status: 401 | 404 | 503, title: string, text: string) {
  c.header('cache-control', 'no-store');
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>autodev: ${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`,
    status,
  );
}

async function readAsset(dir: string, name: string): Promise<string | null> {
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch {
    return null;
  }
}

/**
 * Served before the token check: the page's code holds no data, the page
 * itself is served only to a session, and the login route is how a session
 * begins. Everything the page shows comes from the API's own routes.
 */
export function webPageRoutes(web: WebDeps | undefined, port: () => number) {
  return new Hono()
    .get('/', async (c) => {
      if (!web) return notice(c, 404, 'No web view', 'This daemon serves no web view.');
      if (liveSession(c, web.sessions, port()) === null) {
        return notice(c, 401, 'Not logged in', 'Run <code>autodev open</code> in a terminal: it opens (or prints) a one-time login link.');
      }
      const page = await readAsset(web.assetsDir, 'index.html');
      if (page === null) return notice(c, 503, 'Web view not built', 'The built page is missing: run <code>npm run build</code>.');
      c.header('cache-control', 'no-store');
      return c.html(page);
    })
    // Browsers ask for it on every page; with a session it would be refused as a route the session may not use.
    .get('/favicon.ico', (c) => c.body(null, 204))
    .get('/web/assets/:file', async (c) => {
      const file = c.req.param('file');
      const match = ASSET.exec(file);
      const body = web && match ? await readAsset(web.assetsDir, file) : null;
      if (body === null || !match) return notice(c, 404, 'Not found', 'No such file.');
      c.header('content-type', CONTENT_TYPES[match[1] ?? ''] ?? 'application/octet-stream');
      c.header('cache-control', 'no-cache');
      return c.body(body);
    })
    .get('/web/login', (c) => {
      if (!web) return notice(c, 404, 'No web view', 'This daemon serves no web view.');
      const redeemed = web.sessions.redeem(c.req.query('code') ?? '');
      if (redeemed === null) {
        return notice(c, 401, 'Link used or expired', 'A login link works once, for two minutes. Run <code>autodev open</code> again.');
      }
      setCookie(c, sessionCookieName(port()), redeemed.sessionId, {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/',
        maxAge: redeemed.maxAgeSeconds,
      });
      c.header('cache-control', 'no-store');
      // Off the address bar and out of the history's current entry: the spent code is worth nothing, but it is noise.
      return c.redirect('/', 303);
    });
}

/** Behind the token check: the CLI mints login links; a session can only end itself. */
export function webSessionRoutes(web: WebDeps | undefined, port: () => number) {
  return new Hono()
    .post('/web/login-codes', (c) => {
      if (!web) return c.json({ error: { code: 'not_found' as const, message: 'this daemon serves no web view' } }, 404);
      const { code, expiresAt } = web.sessions.issueLoginCode();
      const url = new URL('/web/login', `http://${c.req.header('host') ?? `127.0.0.1:${port()}`}`);
      url.searchParams.set('code', code);
      const link: WebLoginLink = { url: url.toString(), expiresAt: new Date(expiresAt).toISOString() };
      return c.json(link, 201);
    })
    .post('/web/logout', (c) => {
      const session = web ? liveSession(c, web.sessions, port()) : null;
      if (web && session !== null) web.sessions.logout(session);
      deleteCookie(c, sessionCookieName(port()), { path: '/' });
      return c.body(null, 204);
    });
}
