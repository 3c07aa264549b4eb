// Runs in the judge's sandbox as well as in the daemon, copied there beside
// http-executor.js: it may import only node: builtins and types.
import type { CredentialPlacement, JudgeAuth, SecurityRequirement } from '../../proto/index.js';

/**
 * The credentials a step is sent with: those of the first alternative of its
 * requirement that the plan has every scheme of, [] when it needs none, null
 * when no alternative can be met. The daemon uses the same choice to leave
 * such checks unverified, so the judge never sends them.
 */
export function chooseCredentials(security: SecurityRequirement | undefined, auth: JudgeAuth | undefined): CredentialPlacement[] | null {
  if (!security || security.length === 0) return [];
  const have = auth?.schemes ?? {};
  for (const alternative of security) {
    const placements = alternative.map((scheme) => have[scheme]);
    if (placements.every((p): p is CredentialPlacement => p !== undefined)) return placements;
  }
  return null;
}

export interface WithCredentials {
  /** The path and query as sent. */
  path: string;
  headers: Record<string, string>;
  /** The path and query as reports show them: query credentials as placeholders. */
  shownPath: string;
  /** Each credential sent, as `name: <placeholder>`. */
  shown: string[];
}

/** Puts the credentials into a resolved request; they replace any header or query parameter of the same name. */
export function withCredentials(path: string, headers: Record<string, string>, placements: readonly CredentialPlacement[]): WithCredentials {
  if (placements.length === 0) return { path, headers, shownPath: path, shown: [] };
  const cut = path.indexOf('?');
  const pathname = cut === -1 ? path : path.slice(0, cut);
  const query = new URLSearchParams(cut === -1 ? '' : path.slice(cut + 1));
  const out = { ...headers };
  const cookies: string[] = [];
  const shownQuery: string[] = [];
  const shown: string[] = [];
  for (const p of placements) {
    if (p.in === 'header') {
      out[p.name] = p.value;
      shown.push(`${p.name}: ${p.shown}`);
    } else if (p.in === 'cookie') {
      cookies.push(`${p.name}=${p.value}`);
      shown.push(`cookie: ${p.name}=${p.shown}`);
    } else {
      query.delete(p.name);
      shownQuery.push(`${encodeURIComponent(p.name)}=${p.shown}`);
      shown.push(`query: ${p.name}=${p.shown}`);
    }
  }
  if (cookies.length > 0) out.cookie = [out.cookie, ...cookies].filter(Boolean).join('; ');
  const shownParts = [query.toString(), ...shownQuery].filter(Boolean);
  for (const p of placements) if (p.in === 'query') query.append(p.name, p.value);
  const sent = query.toString();
  return {
    path: sent ? `${pathname}?${sent}` : pathname,
    headers: out,
    shownPath: shownParts.length > 0 ? `${pathname}?${shownParts.join('&')}` : pathname,
    shown,
  };
}
