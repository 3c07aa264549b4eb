import { RESERVED_ENV, type SecurityRequirement, type SecurityScheme } from '../../proto/index.js';
import { isObject, type LoadedSpec } from './load-spec.js';

/** The spec's `components.securitySchemes`, each as the judge can send it. */
export function securitySchemesOf(spec: LoadedSpec): Record<string, SecurityScheme> {
  const components = isObject(spec.document.components) ? spec.document.components : {};
  const declared = isObject(components.securitySchemes) ? components.securitySchemes : {};
  const schemes: Record<string, SecurityScheme> = {};
  for (const [name, scheme] of Object.entries(declared)) if (isObject(scheme)) schemes[name] = schemeOf(scheme);
  return schemes;
}

function schemeOf(scheme: Record<string, unknown>): SecurityScheme {
  switch (scheme.type) {
    case 'apiKey': {
      const where = scheme.in;
      if ((where === 'header' || where === 'query' || where === 'cookie') && typeof scheme.name === 'string' && scheme.name) return { type: 'apiKey', in: where, name: scheme.name };
      return { type: 'unsupported', why: 'an apiKey scheme needs "in" (header, query or cookie) and a "name"' };
    }
    case 'http': {
      // RFC 7235: auth scheme names are case-insensitive.
      const kind = typeof scheme.scheme === 'string' ? scheme.scheme.toLowerCase() : '';
      if (kind === 'bearer') return { type: 'bearer', from: 'http' };
      if (kind === 'basic') return { type: 'basic' };
      return { type: 'unsupported', why: `http ${kind || '(no scheme)'} authentication needs a challenge and answer that the judge does not perform` };
    }
    // Their access tokens are sent as bearer tokens; the judge does not run the flows that obtain one.
    case 'oauth2':
      return { type: 'bearer', from: 'oauth2' };
    case 'openIdConnect':
      return { type: 'bearer', from: 'openIdConnect' };
    case 'mutualTLS':
      return { type: 'unsupported', why: 'mutual TLS needs a client certificate on a TLS connection, and the judge speaks plain HTTP' };
    default:
      return { type: 'unsupported', why: `the scheme type ${JSON.stringify(scheme.type)} is not one OpenAPI defines` };
  }
}

/**
 * An operation's requirement: its own `security` when it has one (`[]` makes
 * it public), else the document's. An empty requirement object among the
 * alternatives allows anonymous access, so the operation needs nothing.
 */
export function requirementOf(operationSecurity: unknown, documentSecurity: unknown): SecurityRequirement {
  const value = operationSecurity === undefined ? documentSecurity : operationSecurity;
  if (!Array.isArray(value)) return [];
  const alternatives = value.filter(isObject).map((r) => Object.keys(r));
  if (alternatives.some((names) => names.length === 0)) return [];
  return alternatives;
}

/**
 * The environment variables a generated app reads each scheme's test
 * credential from, named after the scheme (`api_key` → API_KEY, `bearerAuth`
 * → BEARER_AUTH); a basic scheme has one for the user and one for the
 * password, and two schemes whose names meet get a number. Deterministic, so
 * analysis (the workers' prompts) and the Master (the values) agree without
 * sharing anything but the spec. Unsupported schemes get none.
 */
export function credentialEnvNames(schemes: Record<string, SecurityScheme>): Record<string, string[]> {
  const taken = new Set<string>();
  const names: Record<string, string[]> = {};
  for (const [schemeName, scheme] of Object.entries(schemes)) {
    if (scheme.type === 'unsupported') continue;
    const snake = schemeName
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toUpperCase();
    const variables = (base: string) => (scheme.type === 'basic' ? [`${base}_USERNAME`, `${base}_PASSWORD`] : [base]);
    const stem = !snake || /^[0-9]/.test(snake) || variables(snake).some((v) => RESERVED_ENV.test(v)) ? `APP_${snake || 'CREDENTIAL'}` : snake;
    let chosen = variables(stem);
    for (let n = 2; chosen.some((v) => taken.has(v)); n += 1) chosen = variables(`${stem}_${n}`);
    for (const v of chosen) taken.add(v);
    names[schemeName] = chosen;
  }
  return names;
}

/** The scheme in words, for prompts and reasons: "apiKey in header X-API-Key". */
export function describeScheme(scheme: SecurityScheme): string {
  switch (scheme.type) {
    case 'apiKey':
      return `apiKey in ${scheme.in} ${scheme.name}`;
    case 'bearer':
      return scheme.from === 'http' ? 'http bearer token' : `${scheme.from} access token, sent as a bearer token`;
    case 'basic':
      return 'http basic user and password';
    case 'unsupported':
      return `unsupported: ${scheme.why}`;
  }
}
