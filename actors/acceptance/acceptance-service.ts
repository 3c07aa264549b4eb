import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AcceptanceReport, AcceptBody } from '../../proto/index.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { acceptApp, type AcceptAppOptions } from './app-runner.js';
import { redactReport } from './credential-values.js';
import { resolveGivenCredentials } from './given-credentials.js';
import { deriveSuiteFromText } from './derive-checks.js';
import type { DependencyCache } from '../sandbox-app/deps-cache.js';

export interface AcceptanceService {
  accept(body: AcceptBody, signal?: AbortSignal): Promise<AcceptanceReport>;
}

/** `autodev accept` behind the API: derive the suite from the spec (a bad spec is a bad_request) or take the frozen one given, then check the app in the sandbox. */
export function createAcceptanceService(options: {
  sandbox: () => Promise<Sandbox>;
  workRoot: string;
  /** Installs kept between calls: checking an app again, or its variants, copies its node_modules instead of installing. */
  depsCache?: DependencyCache;
  /** Config `acceptance.*`; acceptApp's own defaults where absent. */
  timeouts?: Pick<AcceptAppOptions, 'installTimeoutMs' | 'buildTimeoutMs' | 'startTimeoutMs' | 'checksTimeoutMs' | 'requestTimeoutMs' | 'commandTimeoutMs'>;
}): AcceptanceService {
  return {
    async accept(body, signal) {
      const started = performance.now();
      // A replayed suite is judged as frozen: deriving it again could change the checks that judged a job.
      const suite = body.suite ?? (await deriveSuiteFromText(body.spec ?? ''));
      // Credentials that match no scheme are refused before anything runs; their values never leave the plan.
      const given = body.credentials ? resolveGivenCredentials(suite.securitySchemes ?? {}, body.credentials) : null;
      const sandbox = await options.sandbox();
      const report = await acceptApp({
        sandbox,
        appDir: body.appDir,
        workDir: join(options.workRoot, randomUUID()),
        suite,
        ...options.timeouts,
        ...(body.start !== undefined ? { start: body.start } : {}),
        // `autodev accept` is the one caller whose user can say how the app starts.
        canPassStart: true,
        ...(options.depsCache ? { depsCache: options.depsCache } : {}),
        ...(signal ? { signal } : {}),
        ...(given ? { credentials: { auth: given.auth, appEnv: {}, secrets: given.secrets } } : {}),
      });
      // The whole run, the spec's derivation included.
      return { ...redactReport(report, given?.secrets ?? []), durationMs: Math.round(performance.now() - started) };
    },
  };
}
