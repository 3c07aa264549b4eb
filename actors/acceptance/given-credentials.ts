import { ProtocolError, type AcceptCredentials, type GivenHeader, type GivenSchemeValue, type JudgeAuth, type SecurityScheme } from '../../proto/index.js';
import { credentialFor, type SchemeCredential } from './credential-values.js';
import { describeScheme } from './security.js';

type Sendable = Exclude<SecurityScheme, { type: 'unsupported' }>;

/** The judge's credentials and every form of their values, which reports must not show. */
export interface ResolvedAuth {
  auth: JudgeAuth;
  secrets: string[];
}

const refuse = (message: string) => new ProtocolError('bad_request', message, { field: 'credentials' });

/**
 * Matches what `autodev accept` was given to the spec's security schemes:
 * each header must be the credential of at least one scheme (an apiKey
 * header of that name, `Authorization: Bearer` or `Basic`, or a cookie an
 * apiKey cookie scheme names), and each scheme named in a credentials file
 * must exist. Anything that matches nothing is refused, so a misspelt header
 * is not silently ignored. Errors name headers and schemes, never values.
 */
export function resolveGivenCredentials(schemes: Record<string, SecurityScheme>, given: AcceptCredentials): ResolvedAuth {
  const found = new Map<string, SchemeCredential>();
  const add = (name: string, credential: SchemeCredential, from: string) => {
    if (found.has(name)) throw refuse(`the scheme ${name} was given twice (again by ${from}): give each credential once`);
    found.set(name, credential);
  };
  for (const header of given.headers) for (const [name, credential] of fromHeader(schemes, header)) add(name, credential, `--header ${header.name}`);
  for (const [name, value] of Object.entries(given.schemes)) add(name, fromSchemeValue(schemes, name, value), '--credentials');
  const auth: JudgeAuth = { schemes: {} };
  for (const [name, credential] of found) auth.schemes[name] = credential.placement;
  return { auth, secrets: [...found.values()].flatMap((c) => c.secrets) };
}

function fromHeader(schemes: Record<string, SecurityScheme>, header: GivenHeader): Array<[string, SchemeCredential]> {
  const lower = header.name.toLowerCase();
  const sendable = Object.entries(schemes).filter((entry): entry is [string, Sendable] => entry[1].type !== 'unsupported');
  if (lower === 'cookie') return fromCookies(sendable, header.value);
  const matched: Array<[string, SchemeCredential]> = sendable
    .filter(([, s]) => s.type === 'apiKey' && s.in === 'header' && s.name.toLowerCase() === lower)
    .map(([name, s]) => [name, credentialFor(name, s, header.value)]);
  if (lower === 'authorization') {
    const auth = /^(\S+)\s+(\S.*)$/.exec(header.value.trim());
    const kind = auth?.[1]?.toLowerCase();
    const token = auth?.[2] ?? '';
    for (const [name, s] of sendable) {
      if ((kind === 'bearer' && s.type === 'bearer') || (kind === 'basic' && s.type === 'basic')) matched.push([name, credentialFor(name, s, token, true)]);
    }
  }
  if (matched.length > 0) return matched;
  throw refuse(`--header ${header.name} is the credential of none of the spec's security schemes (${listSchemes(schemes)}); an Authorization header is "Bearer TOKEN" or "Basic BASE64"`);
}

function fromCookies(sendable: Array<[string, Sendable]>, cookieHeader: string): Array<[string, SchemeCredential]> {
  const matched: Array<[string, SchemeCredential]> = [];
  for (const pair of cookieHeader.split(';').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    const cookie = eq === -1 ? pair : pair.slice(0, eq);
    const schemes = sendable.filter(([, s]) => s.type === 'apiKey' && s.in === 'cookie' && s.name === cookie);
    if (eq === -1 || schemes.length === 0) throw refuse(`the cookie ${cookie} in --header Cookie is the credential of no apiKey cookie scheme of the spec; give cookies as "Cookie: NAME=VALUE"`);
    for (const [name, s] of schemes) matched.push([name, credentialFor(name, s, pair.slice(eq + 1))]);
  }
  return matched;
}

function fromSchemeValue(schemes: Record<string, SecurityScheme>, name: string, value: GivenSchemeValue): SchemeCredential {
  const scheme = Object.hasOwn(schemes, name) ? schemes[name] : undefined;
  if (!scheme) throw refuse(`--credentials names the scheme ${name}, which the spec does not define (it defines: ${listSchemes(schemes)})`);
  if (scheme.type === 'unsupported') throw refuse(`--credentials names the scheme ${name}, which cannot be sent: ${scheme.why}`);
  if (typeof value !== 'string') {
    if (scheme.type !== 'basic') throw refuse(`--credentials gives ${name} a username and password, but it is an ${describeScheme(scheme)}: give the value as a string`);
    return credentialFor(name, scheme, `${value.username}:${value.password}`);
  }
  if (scheme.type === 'basic' && !value.includes(':')) throw refuse(`--credentials gives the basic scheme ${name} a string without ":": give "username:password" or { username, password }`);
  return credentialFor(name, scheme, value);
}

function listSchemes(schemes: Record<string, SecurityScheme>): string {
  const entries = Object.entries(schemes);
  return entries.length === 0 ? 'none' : entries.map(([name, s]) => `${name}: ${describeScheme(s)}`).join('; ');
}
