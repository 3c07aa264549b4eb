import { z } from 'zod';
import type { ValidationFailure } from '../../proto/index.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { runRegistryNpm } from '../sandbox-app/registry-npm.js';
import type { WorkspaceFile } from './workspace-files.js';

const AuditReport = z.object({
  metadata: z.object({
    vulnerabilities: z.object({ info: z.number(), low: z.number(), moderate: z.number(), high: z.number(), critical: z.number(), total: z.number() }),
  }),
  vulnerabilities: z
    .record(z.string(), z.object({ name: z.string(), severity: z.string(), range: z.string().optional(), fixAvailable: z.unknown().optional() }).loose())
    .default({}),
});
const AuditError = z.object({
  message: z.string().optional(),
  error: z.object({ code: z.string().nullable().optional(), summary: z.string().optional() }).loose(),
});

export type AuditOutcome =
  | { status: 'ran'; failures: ValidationFailure[]; warnings: string[]; counts: Record<string, number> }
  | { status: 'skipped'; reason: string };

/**
 * `npm audit --json` against whatever registry npm is configured for, as a
 * registry-only step (it runs no project code). It needs
 * a lockfile, and the registry; without either it is skipped, with the reason,
 * and never counted as a pass. High and critical advisories fail the stage.
 */
export async function auditDependencies(root: string, files: readonly WorkspaceFile[], timeoutMs: number, sandbox: Sandbox | null = null): Promise<AuditOutcome> {
  const paths = new Set(files.map((f) => f.path));
  if (!paths.has('package.json')) return { status: 'skipped', reason: 'no package.json, so no dependencies to audit' };
  if (!paths.has('package-lock.json') && !paths.has('npm-shrinkwrap.json')) {
    return { status: 'skipped', reason: 'no package-lock.json: npm audit needs a lockfile (the dependency install step writes one)' };
  }
  const run = await runRegistryNpm(['audit', '--json'], { sandbox, workspace: root, timeoutMs });
  if (run.timedOut) return { status: 'skipped', reason: `npm audit did not finish within ${timeoutMs} ms (registry unreachable?)` };
  let json: unknown;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    return { status: 'skipped', reason: `npm audit printed no JSON (exit ${run.exitCode}): ${run.stderr.trim().split('\n').at(-1) ?? ''}`.slice(0, 300) };
  }
  const report = AuditReport.safeParse(json);
  if (!report.success) {
    const error = AuditError.safeParse(json);
    const why = error.success
      ? [error.data.error.code, error.data.error.summary, error.data.message].filter((part) => part).join(': ') || 'no detail given'
      : 'an answer this version does not understand';
    return { status: 'skipped', reason: `npm audit could not reach the registry or failed: ${why}`.slice(0, 300) };
  }
  const failures: ValidationFailure[] = [];
  const warnings: string[] = [];
  for (const v of Object.values(report.data.vulnerabilities)) {
    const line = `${v.name} ${v.range ?? ''}: ${v.severity} severity advisory${v.fixAvailable ? ' (a fix is available)' : ''}`;
    if (v.severity === 'high' || v.severity === 'critical') {
      failures.push({ stage: 'security', file: 'package.json', line: null, message: `vulnerable dependency ${line}`, logExcerpt: line });
    } else warnings.push(line);
  }
  return { status: 'ran', failures, warnings, counts: report.data.metadata.vulnerabilities };
}
