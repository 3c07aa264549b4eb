import { z } from 'zod';
import type { AcceptAppOptions } from '../actors/acceptance/app-runner.js';
import type { AcceptJobTimeouts } from '../actors/master/accept-job.js';

const ms = (fallback: number, what: string) => z.number().int().min(1000).max(24 * 3_600_000).default(fallback).describe(what);

/**
 * The acceptance phase's time limits: each integration round of a job, and
 * `autodev accept`. The defaults are the ones the acceptance code had built
 * in before they were configurable.
 */
export const AcceptanceTimeoutsConfig = z
  .object({
    installTimeoutMs: ms(300_000, "time the app's dependency install may take, in ms"),
    buildTimeoutMs: ms(180_000, "time the app's `npm run build` may take, in ms"),
    startTimeoutMs: ms(30_000, 'time the started app has to listen on PORT, in ms; past it server_starts fails'),
    checksTimeoutMs: ms(120_000, "time every HTTP check of one run may take together, in ms; steps not sent by then are reported as not run"),
    requestTimeoutMs: ms(10_000, 'time one HTTP request of a check waits for its answer, in ms'),
    commandTimeoutMs: ms(30_000, "time each command check (a CLI call beside the app) may take, in ms"),
    projectTestsTimeoutMs: ms(180_000, "time the project's own tests may take in an integration round, in ms (not used by `autodev accept`)"),
  })
  .strict()
  .prefault({})
  .describe('time limits of the acceptance phase: each integration round of a job, and `autodev accept`');
export type AcceptanceTimeoutsConfig = z.infer<typeof AcceptanceTimeoutsConfig>;

/** The limits of a job's integration round (actors/master/accept-job.ts). */
export function acceptJobTimeouts(config: AcceptanceTimeoutsConfig): AcceptJobTimeouts {
  return {
    installMs: config.installTimeoutMs,
    buildMs: config.buildTimeoutMs,
    startMs: config.startTimeoutMs,
    checksMs: config.checksTimeoutMs,
    requestMs: config.requestTimeoutMs,
    commandMs: config.commandTimeoutMs,
    testsMs: config.projectTestsTimeoutMs,
  };
}

export type AcceptAppTimeouts = Pick<AcceptAppOptions, 'installTimeoutMs' | 'buildTimeoutMs' | 'startTimeoutMs' | 'checksTimeoutMs' | 'requestTimeoutMs' | 'commandTimeoutMs'>;

/** The limits of one `autodev accept` run (actors/acceptance/acceptance-service.ts). */
export function acceptAppTimeouts(config: AcceptanceTimeoutsConfig): AcceptAppTimeouts {
  return {
    installTimeoutMs: config.installTimeoutMs,
    buildTimeoutMs: config.buildTimeoutMs,
    startTimeoutMs: config.startTimeoutMs,
    checksTimeoutMs: config.checksTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    commandTimeoutMs: config.commandTimeoutMs,
  };
}
