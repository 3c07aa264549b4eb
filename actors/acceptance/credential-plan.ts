import type { AcceptanceCheck, AcceptanceStep, AcceptanceSuite, JudgeAuth, SecurityScheme } from '../../proto/index.js';
import { chooseCredentials } from './credential-placement.js';
import { credentialFor, optionFor } from './credential-values.js';
import { describeScheme } from './security.js';

/** What a run sends and gives: the judge's credentials, the app's environment, and the values reports must not show. */
export interface CredentialPlan {
  auth: JudgeAuth;
  appEnv: Record<string, string>;
  secrets: string[];
}

export const NO_CREDENTIALS: CredentialPlan = { auth: { schemes: {} }, appEnv: {}, secrets: [] };

/**
 * A job's suite carries the test credentials the Master chose at planning:
 * the checks send them, and the app is started with the environment
 * variables it was told to read them from.
 */
export function testCredentialPlan(suite: AcceptanceSuite): CredentialPlan {
  const plan: CredentialPlan = { auth: { schemes: {} }, appEnv: {}, secrets: [] };
  for (const [name, credential] of Object.entries(suite.testCredentials ?? {})) {
    const scheme = suite.securitySchemes?.[name];
    if (!scheme || scheme.type === 'unsupported') continue;
    const { placement, secrets } = credentialFor(name, scheme, credential.value);
    plan.auth.schemes[name] = placement;
    Object.assign(plan.appEnv, credential.env);
    plan.secrets.push(...secrets);
  }
  return plan;
}

/**
 * The suite with every check that has a step the run has no credentials for
 * made unverifiable, saying which step needs which scheme and which option
 * gives it: a check that cannot be sent as documented is never failed, and
 * never blamed on the operations that come after its setup.
 */
export function requireCredentials(suite: AcceptanceSuite, auth: JudgeAuth): AcceptanceSuite {
  const schemes = suite.securitySchemes ?? {};
  const checks = suite.checks.map((check): AcceptanceCheck => {
    if (check.unverifiable !== null) return check;
    const step = check.steps.find((s) => chooseCredentials(s.security, auth) === null);
    return step ? { ...check, steps: [], unverifiable: missingCredentials(step, schemes) } : check;
  });
  return { ...suite, checks };
}

function missingCredentials(step: AcceptanceStep, schemes: Record<string, SecurityScheme>): string {
  const alternatives = (step.security ?? []).map((names) => names.map((n) => describe(n, schemes[n])).join(' and ')).join(', or ');
  const names = [...new Set((step.security ?? []).flat())];
  const options = names.flatMap((n) => {
    const scheme = schemes[n];
    return scheme && scheme.type !== 'unsupported' ? [optionFor(n, scheme)] : [];
  });
  const how = options.length > 0 ? `; pass ${options.join(', or ')}` : '; no option of autodev accept can give it';
  return `not run: step "${step.name}" calls ${step.operationId}, which needs credentials the run was not given: ${alternatives}${how}`;
}

const describe = (name: string, scheme: SecurityScheme | undefined) => `${name} (${scheme ? describeScheme(scheme) : 'not defined in components.securitySchemes'})`;
