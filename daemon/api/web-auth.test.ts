import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { requireTokenOrSession } from './web-auth.js';
import { securityHeaders } from './security-headers.js';
import { sessionCookieName, WebSessions } from './web-sessions.js';

const PORT = 4321;
const HOST = `127.0.0.1:${PORT}`;

function appWith(sessions: WebSessions) {
  return new Hono()
    .use('*', securityHeaders())
    .use('*', requireTokenOrSession('the-token', sessions, () => PORT))
    .get('/jobs', (c) => c.json({ ok: true }))
    .post('/jobs', (c) => c.json({ ok: true }, 201))
    .get('/nats/credentials/worker', (c) => c.json({ ok: true }));
}

function loggedIn(sessions: WebSessions): string {
  const redeemed = sessions.redeem(sessions.issueLoginCode().code);
  if (!redeemed) throw new Error('a fresh code must redeem');
  return `${sessionCookieName(PORT)}=${redeemed.sessionId}`;
}

describe('web sessions', () => {
  it('redeem a login code once, and only before it expires', () => {
    let now = 1_000;
    const sessions = new WebSessions({ now: () => now, loginCodeTtlMs: 100, sessionTtlMs: 1_000 });
    const { code } = sessions.issueLoginCode();
    const first = sessions.redeem(code);
    expect(first).not.toBeNull();
    expect(sessions.redeem(code)).toBeNull();
    const late = sessions.issueLoginCode().code;
    now += 101;
    expect(sessions.redeem(late)).toBeNull();
    expect(sessions.isSession(first?.sessionId ?? '')).toBe(true);
    now += 1_000;
    expect(sessions.isSession(first?.sessionId ?? '')).toBe(false);
  });

  it('never takes a login code for a session or the reverse', () => {
    const sessions = new WebSessions();
    const { code } = sessions.issueLoginCode();
    expect(sessions.isSession(code)).toBe(false);
    const redeemed = sessions.redeem(code);
    expect(sessions.redeem(redeemed?.sessionId ?? '')).toBeNull();
    expect(sessions.isSession('')).toBe(false);
  });
});

describe('requireTokenOrSession', () => {
  it('lets a session read and, from its own origin, submit; the token still works alone', async () => {
    const sessions = new WebSessions();
    const app = appWith(sessions);
    const cookie = loggedIn(sessions);
    expect((await app.request('/jobs', { headers: { host: HOST, cookie } })).status).toBe(200);
    const post = await app.request('/jobs', { method: 'POST', headers: { host: HOST, cookie, origin: `http://${HOST}`, 'sec-fetch-site': 'same-origin' } });
    expect(post.status).toBe(201);
    expect((await app.request('/jobs', { headers: { authorization: 'Bearer the-token' } })).status).toBe(200);
  });

  it('refuses no credentials, a wrong token beside a good cookie, and a dead session', async () => {
    const sessions = new WebSessions();
    const app = appWith(sessions);
    const cookie = loggedIn(sessions);
    expect((await app.request('/jobs', { headers: { host: HOST } })).status).toBe(401);
    expect((await app.request('/jobs', { headers: { host: HOST, cookie, authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await app.request('/jobs', { headers: { host: HOST, cookie: `${sessionCookieName(PORT)}=forged` } })).status).toBe(401);
    // A session of the daemon on another port is not this daemon's.
    expect((await app.request('/jobs', { headers: { host: HOST, cookie: cookie.replace(String(PORT), '9999') } })).status).toBe(401);
  });

  it('refuses a session on routes the page does not use, and state changes from another origin or site', async () => {
    const sessions = new WebSessions();
    const app = appWith(sessions);
    const cookie = loggedIn(sessions);
    expect((await app.request('/nats/credentials/worker', { headers: { host: HOST, cookie } })).status).toBe(403);
    const post = (headers: Record<string, string>) => app.request('/jobs', { method: 'POST', headers: { host: HOST, cookie, ...headers } });
    expect((await post({})).status).toBe(403);
    expect((await post({ origin: 'http://evil.example' })).status).toBe(403);
    expect((await post({ origin: 'http://127.0.0.1:1' })).status).toBe(403);
    expect((await post({ origin: `http://${HOST}`, 'sec-fetch-site': 'same-site' })).status).toBe(403);
  });

  it('puts a strict CSP, no-referrer and no CORS on every answer, refusals included', async () => {
    const res = await appWith(new WebSessions()).request('/jobs', { headers: { host: HOST, origin: 'http://evil.example' } });
    expect(res.status).toBe(401);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
