import type { ApiOperation, SpecSecurityScheme } from '../proto/index.js';

/**
 * What the workers are told about a secured API: which environment variable
 * holds each scheme's credential. The values are chosen by the Master at
 * planning and given to the app only when it is started for acceptance, so
 * an app that hard-codes a credential, or ignores it, fails.
 */
export function credentialsBrief(schemes: readonly SpecSecurityScheme[]): string {
  if (schemes.length === 0) return '';
  const lines = schemes.map((s) => `- ${s.scheme} (${s.description}): ${s.env.length > 0 ? `read from the environment variable${s.env.length > 1 ? 's' : ''} ${s.env.join(' and ')}` : 'cannot be tested'}`);
  return `\nThe API's security schemes; the app reads each expected credential from the environment when it starts, never from code or a file:\n${lines.join('\n')}`;
}

/** The operations of a task that need credentials, and what a request without them must get. */
export function securedOperationsBrief(ops: readonly ApiOperation[]): string {
  const secured = ops.filter((o) => o.security && o.security.length > 0);
  if (secured.length === 0) return '';
  const lines = secured.map((o) => `- ${o.operationId}: ${(o.security ?? []).map((alternative) => alternative.join(' and ')).join(', or ')}`);
  return `\nThese operations require credentials; a request without a valid one gets 401 (or the 401/403 the spec documents), before its body is looked at:\n${lines.join('\n')}`;
}
