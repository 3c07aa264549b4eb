import { z } from 'zod';
import { JobId } from './ids.js';
import { AcceptanceReport } from './acceptance.js';

/**
 * `GET /jobs/:id/acceptance/rounds/:round/app`: how an integration round set
 * the app up and what the app printed, from the round's report
 * (`jobs/<id>/acceptance/round-<n>.json`). The checks themselves travel as
 * `acceptance.check` events; this is the part of the report no event carries.
 */
export const AcceptanceRoundApp = z.discriminatedUnion('state', [
  z.object({
    state: z.literal('reported'),
    jobId: JobId,
    round: z.number().int().positive(),
    /** Null when the checks ran against an app started elsewhere. */
    app: AcceptanceReport.shape.app,
  }),
  /** The round has not written its report: it is still running, or never ran. */
  z.object({ state: z.literal('not_reported'), jobId: JobId, round: z.number().int().positive() }),
]);
export type AcceptanceRoundApp = z.infer<typeof AcceptanceRoundApp>;
