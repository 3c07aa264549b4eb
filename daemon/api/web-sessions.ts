import { randomBytes, timingSafeEqual } from 'node:crypto';

/** A login link is opened at once by `autodev open`; a short life limits what a leaked one is worth. */
export const LOGIN_CODE_TTL_MS = 2 * 60_000;
/** A browser session lasts a working day; the daemon's restart ends every session anyway. */
export const SESSION_TTL_MS = 12 * 60 * 60_000;
/** Bounds memory against a client that mints codes in a loop; the oldest entry goes first. */
const MAX_ENTRIES = 64;

export interface WebSessionOptions {
  now?: () => number;
  loginCodeTtlMs?: number;
  sessionTtlMs?: number;
}

function secret(): string {
  return randomBytes(32).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Entries that expire; looked up by constant-time comparison so a timing probe learns nothing of a live one. */
class ExpiringSecrets {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  issue(): { value: string; expiresAt: number } {
    this.prune();
    while (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    const value = secret();
    const expiresAt = this.now() + this.ttlMs;
    this.entries.set(value, expiresAt);
    return { value, expiresAt };
  }

  /** The stored value equal to `given` that has not expired, or null. */
  find(given: string): string | null {
    this.prune();
    for (const value of this.entries.keys()) if (sameSecret(value, given)) return value;
    return null;
  }

  delete(value: string): void {
    this.entries.delete(value);
  }

  private prune(): void {
    const now = this.now();
    for (const [value, expiresAt] of this.entries) if (expiresAt <= now) this.entries.delete(value);
  }
}

/**
 * The browser's way in. The API token never reaches the browser: `autodev
 * open` (holding the token) asks for a one-time login code, the browser
 * brings the code once, and gets a session id in an HttpOnly cookie. Sessions
 * live in memory only, so stopping the daemon logs every browser out.
 */
export class WebSessions {
  private readonly codes: ExpiringSecrets;
  private readonly sessions: ExpiringSecrets;
  private readonly sessionTtlMs: number;

  constructor(options: WebSessionOptions = {}) {
    const now = options.now ?? Date.now;
    this.sessionTtlMs = options.sessionTtlMs ?? SESSION_TTL_MS;
    this.codes = new ExpiringSecrets(options.loginCodeTtlMs ?? LOGIN_CODE_TTL_MS, now);
    this.sessions = new ExpiringSecrets(this.sessionTtlMs, now);
  }

  issueLoginCode(): { code: string; expiresAt: number } {
    const { value, expiresAt } = this.codes.issue();
    return { code: value, expiresAt };
  }

  /** A new session for a live code, which is spent whether or not it was the right one to use; null for any other code. */
  redeem(code: string): { sessionId: string; maxAgeSeconds: number } | null {
    const found = this.codes.find(code);
    if (found === null) return null;
    this.codes.delete(found);
    const { value } = this.sessions.issue();
    return { sessionId: value, maxAgeSeconds: Math.floor(this.sessionTtlMs / 1000) };
  }

  isSession(sessionId: string): boolean {
    return sessionId.length > 0 && this.sessions.find(sessionId) !== null;
  }

  logout(sessionId: string): void {
    const found = this.sessions.find(sessionId);
    if (found !== null) this.sessions.delete(found);
  }
}

/** Cookies are scoped to a host, not a port: the port in the name keeps two daemons' sessions apart. */
export function sessionCookieName(port: number): string {
  return `autodev_session_${port}`;
}
