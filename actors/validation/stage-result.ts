import type { StageResult, ValidationFailure, ValidationStageName } from '../../proto/index.js';

/** Builds a stage's result; `failed` follows from the failures, so the two cannot disagree. */
export function stageResult(
  stage: ValidationStageName,
  startedAt: number,
  parts: { summary: string; failures?: ValidationFailure[]; warnings?: string[]; metrics?: Record<string, number> },
): StageResult {
  const failures = parts.failures ?? [];
  return {
    stage,
    status: failures.length > 0 ? 'failed' : 'passed',
    durationMs: Math.max(0, Math.round(Date.now() - startedAt)),
    summary: parts.summary,
    reason: null,
    failures,
    warnings: parts.warnings ?? [],
    metrics: parts.metrics ?? {},
  };
}

/** A stage that could not run here: never a pass, and `reason` says what would let it run. */
export function unverifiedStage(stage: ValidationStageName, startedAt: number, reason: string): StageResult {
  return {
    stage,
    status: 'unverified',
    durationMs: Math.max(0, Math.round(Date.now() - startedAt)),
    summary: `unverified: ${reason}`,
    reason,
    failures: [],
    warnings: [],
    metrics: {},
  };
}
