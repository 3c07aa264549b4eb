import { AcceptanceReport, type CredentialPlacement, type SecurityScheme } from '../../proto/index.js';

/** A credential for one scheme, as the judge will send it, and every form of its value a report must never show. */
export interface SchemeCredential {
  placement: CredentialPlacement;
  secrets: string[];
}

/**
 * Places a credential for `schemeName`. `value` is the key or token; for a
 * basic scheme `user:password`, or with `encoded` the base64 token as an
 * Authorization header carries it.
 */
export function credentialFor(schemeName: string, scheme: Exclude<SecurityScheme, { type: 'unsupported' }>, value: string, encoded = false): SchemeCredential {
  switch (scheme.type) {
    case 'apiKey':
      return {
        placement: { in: scheme.in, name: scheme.in === 'header' ? scheme.name.toLowerCase() : scheme.name, value, shown: `<apiKey credential ${schemeName}>` },
        secrets: [value],
      };
    case 'bearer':
      return { placement: { in: 'header', name: 'authorization', value: `Bearer ${value}`, shown: `Bearer <bearer credential ${schemeName}>` }, secrets: [value] };
    case 'basic': {
      const token = encoded ? value : Buffer.from(value, 'utf8').toString('base64');
      const plain = encoded ? Buffer.from(value, 'base64').toString('utf8') : value;
      const password = plain.slice(plain.indexOf(':') + 1);
      return { placement: { in: 'header', name: 'authorization', value: `Basic ${token}`, shown: `Basic <basic credential ${schemeName}>` }, secrets: [token, plain, password] };
    }
  }
}

/** How a person gives the scheme's credential to `autodev accept`. */
export function optionFor(schemeName: string, scheme: Exclude<SecurityScheme, { type: 'unsupported' }>): string {
  switch (scheme.type) {
    case 'apiKey':
      if (scheme.in === 'header') return `--header "${scheme.name}: VALUE" (or --header-from-env ${scheme.name}=ENVVAR)`;
      if (scheme.in === 'cookie') return `--header "Cookie: ${scheme.name}=VALUE" (or --credentials FILE with ${schemeName}: VALUE)`;
      return `--credentials FILE with ${schemeName}: VALUE`;
    case 'bearer':
      return `--header "Authorization: Bearer TOKEN" (or --header-from-env Authorization=ENVVAR holding "Bearer TOKEN", or --credentials FILE with ${schemeName}: TOKEN)`;
    case 'basic':
      return `--credentials FILE with ${schemeName}: { username: USER, password: PASSWORD } (or --header "Authorization: Basic BASE64")`;
  }
}

/** Shorter values would turn every match of a common word into a placeholder, and hide nothing worth hiding. */
const MIN_REDACTED = 4;

/**
 * The report with every secret in every string replaced by a placeholder: a
 * report carries what the app answered, and an app may echo a key back.
 * Longest first, so a password inside `user:password` cannot leave the rest.
 */
export function redactReport(report: AcceptanceReport, secrets: readonly string[]): AcceptanceReport {
  const sorted = [...new Set(secrets.filter((s) => s.length >= MIN_REDACTED))].sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return report;
  const redact = (v: unknown): unknown => {
    if (typeof v === 'string') return sorted.reduce((text, secret) => text.split(secret).join('<credential>'), v);
    if (Array.isArray(v)) return v.map(redact);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, redact(inner)]));
    return v;
  };
  return AcceptanceReport.parse(redact(report));
}
