import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AcceptanceReport, AcceptBody } from '../../proto/index.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { acceptApp } from './app-runner.js';
import { deriveSuiteFromText } from './derive-checks.js';

export interface AcceptanceService {
  accept(body: AcceptBody, signal?: AbortSignal): Promise<AcceptanceReport>;
}

/** `autodev accept` behind the API: derive the suite from the spec (a bad spec is a bad_request), then check the app in the sandbox. */
export function createAcceptanceService(options: { sandbox: () => Promise<Sandbox>; workRoot: string }): AcceptanceService {
  return {
    async accept(body, signal) {
      const started = performance.now();
      const suite = await deriveSuiteFromText(body.spec);
      const sandbox = await options.sandbox();
      const report = await acceptApp({
        sandbox,
        appDir: body.appDir,
        workDir: join(options.workRoot, randomUUID()),
        suite,
        ...(body.start !== undefined ? { start: body.start } : {}),
        ...(signal ? { signal } : {}),
      });
      // The whole run, the spec's derivation included.
      return { ...report, durationMs: Math.round(performance.now() - started) };
    },
  };
}
