import { randomBytes } from 'node:crypto';
import type { SecurityScheme, TestCredential } from '../../proto/index.js';
import { credentialEnvNames } from '../acceptance/security.js';

const secret = () => randomBytes(18).toString('base64url');

/**
 * The credentials a job's app is tested with, one per scheme the spec
 * defines: chosen at planning, frozen with the suite, sent by its checks, and
 * given to the app in the environment variables the workers were told to
 * read (credentialEnvNames, the same names analysis put in the blueprint).
 * Random, so no generated app can pass by hard-coding a guess; unsupported
 * schemes get none, and what needs them stays unverified.
 */
export function chooseTestCredentials(schemes: Record<string, SecurityScheme>): Record<string, TestCredential> {
  const names = credentialEnvNames(schemes);
  const chosen: Record<string, TestCredential> = {};
  for (const [name, scheme] of Object.entries(schemes)) {
    const env = names[name];
    if (!env || scheme.type === 'unsupported') continue;
    if (scheme.type === 'basic') {
      const [userVar, passwordVar] = env;
      if (!userVar || !passwordVar) continue;
      const username = 'autodev-test';
      const password = secret();
      chosen[name] = { value: `${username}:${password}`, env: { [userVar]: username, [passwordVar]: password } };
      continue;
    }
    const value = `test-${secret()}`;
    chosen[name] = { value, env: Object.fromEntries(env.map((v) => [v, value])) };
  }
  return chosen;
}
