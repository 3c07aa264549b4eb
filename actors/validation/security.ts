import type { StageResult } from '../../proto/index.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { findDangerousPatterns } from './dangerous-patterns.js';
import { auditDependencies } from './npm-audit.js';
import { scanSecrets } from './secrets-scan.js';
import { stageResult } from './stage-result.js';
import type { WorkspaceFile } from './workspace-files.js';

export interface SecurityOptions {
  sandbox: Sandbox | null;
  root: string;
  files: readonly WorkspaceFile[];
  auditTimeoutMs: number;
  /** False leaves npm audit out, with that reason: for runs that must not touch the network. */
  audit: boolean;
}

/**
 * Secrets, vulnerable dependencies and dangerous code patterns. A part that
 * could not run (npm audit without a lockfile or a registry) is named in
 * `reason` and the summary; the stage's pass covers only the parts that ran.
 */
export async function runSecurity(options: SecurityOptions): Promise<StageResult> {
  const started = Date.now();
  const secrets = await scanSecrets(options.root, options.files);
  const patterns = findDangerousPatterns(options.files);
  const audit = options.audit
    ? await auditDependencies(options.root, options.files, options.auditTimeoutMs, options.sandbox)
    : ({ status: 'skipped', reason: 'npm audit disabled for this run' } as const);
  const auditPart =
    audit.status === 'ran'
      ? `npm audit: ${audit.counts.total ?? 0} advisory(ies), ${audit.failures.length} high/critical`
      : `npm audit skipped: ${audit.reason}`;
  const result = stageResult('security', started, {
    summary: `secrets: ${secrets.length}, dangerous patterns: ${patterns.length}, ${auditPart}`,
    failures: [...secrets, ...patterns, ...(audit.status === 'ran' ? audit.failures : [])],
    warnings: audit.status === 'ran' ? audit.warnings : [],
    metrics: {
      secrets: secrets.length,
      dangerousPatterns: patterns.length,
      auditRan: audit.status === 'ran' ? 1 : 0,
      ...(audit.status === 'ran' ? Object.fromEntries(Object.entries(audit.counts).map(([k, v]) => [`audit_${k}`, v])) : {}),
    },
  });
  return audit.status === 'skipped' ? { ...result, reason: `npm audit: ${audit.reason}` } : result;
}
