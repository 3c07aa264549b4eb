import { z } from 'zod';

/** The validation pipeline's stages, in the order they run. */
export const ValidationStageName = z.enum([
  'syntax',
  'lint',
  'typecheck',
  'unit_tests',
  'integration_tests',
  'coverage',
  'security',
  'quality',
]);
export type ValidationStageName = z.infer<typeof ValidationStageName>;
export const VALIDATION_STAGES = ValidationStageName.options;

/**
 * `unverified` is never a pass: it says the stage could not run here (no
 * tests, no lockfile, registry unreachable) and `reason` says why. Reports
 * written before the rename say `skipped`, which is read as `unverified`.
 */
export const StageStatus = z.preprocess((v) => (v === 'skipped' ? 'unverified' : v), z.enum(['passed', 'failed', 'unverified']));
export type StageStatus = z.infer<typeof StageStatus>;

/** One problem, as precise as the tool that found it allows: what a fix task needs to act on. */
export const ValidationFailure = z.object({
  /** `rule`: one of the task's executable rules (proto/rules.ts) failed, not a pipeline stage. */
  stage: z.union([ValidationStageName, z.literal('rule')]),
  file: z.string().nullable(),
  line: z.number().int().positive().nullable(),
  message: z.string(),
  /** The lines of tool output around the failure, for the fix task's prompt. */
  logExcerpt: z.string(),
});
export type ValidationFailure = z.infer<typeof ValidationFailure>;

export const StageResult = z.object({
  stage: ValidationStageName,
  status: StageStatus,
  durationMs: z.number().int().nonnegative(),
  /** One line a person can read: counts, coverage, what was skipped and why. */
  summary: z.string(),
  reason: z.string().nullable(),
  failures: z.array(ValidationFailure),
  /** Findings that do not fail the stage (lint warnings, quality notes). */
  warnings: z.array(z.string()),
  /** Stage-specific figures, such as coverage percentages or line counts. */
  metrics: z.record(z.string(), z.number()),
});
export type StageResult = z.infer<typeof StageResult>;

export const PipelineReport = z.object({
  passed: z.boolean(),
  /** The backend that ran the generated code; null when none was available and those stages were skipped. */
  sandbox: z.enum(['docker', 'bubblewrap', 'none']).nullable(),
  stages: z.array(StageResult),
  durationMs: z.number().int().nonnegative(),
});
export type PipelineReport = z.infer<typeof PipelineReport>;
