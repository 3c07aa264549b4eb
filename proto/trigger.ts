import { z } from 'zod';
import { JobId } from './ids.js';

/** A trigger's id is one subject token, because it ends the subject it fires on. */
export const TriggerId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a lowercase subject token (a-z, 0-9, _ and -)');
export type TriggerId = z.infer<typeof TriggerId>;

/** Published on `subjects.trigger(jobId, triggerId)` each time a trigger scheduled by the time MCP server fires. */
export const TriggerFired = z.object({
  type: z.literal('trigger.fired'),
  jobId: JobId,
  triggerId: TriggerId,
  at: z.iso.datetime(),
  /** 1 for the first firing; a recurring trigger counts up. */
  count: z.number().int().positive(),
  payload: z.record(z.string(), z.unknown()),
});
export type TriggerFired = z.infer<typeof TriggerFired>;
