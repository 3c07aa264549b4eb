import { z } from 'zod';
import { TriggerId } from '../../../proto/trigger.js';
import { ToolError, toolFor, type ToolDefinition } from '../tool.js';
import type { TriggerScheduler } from '../trigger-scheduler.js';

export interface TimeToolDeps {
  jobId: string;
  /** Without one (no NATS), schedule_trigger refuses. */
  scheduler?: TriggerScheduler;
  now: () => Date;
}

const tool = toolFor<TimeToolDeps>();

const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => isTimeZone(tz), { message: 'is not an IANA time zone such as UTC, Europe/Paris or America/New_York' });

const Trigger = z.object({ triggerId: z.string(), delayMs: z.number(), everyMs: z.number().nullable(), nextAt: z.string(), count: z.number().int(), payload: z.record(z.string(), z.unknown()) });

function scheduler(deps: TimeToolDeps): TriggerScheduler {
  if (!deps.scheduler) throw new ToolError('unavailable', 'triggers need the daemon\'s NATS connection; use the time server through autodevd (/mcp/time or a worker)');
  return deps.scheduler;
}

export const now = tool({
  name: 'now',
  description: 'The current time as ISO 8601 UTC, epoch milliseconds, and wall-clock time in a time zone.',
  inputSchema: z.object({ timezone: TimeZone.default('UTC') }).strict(),
  outputSchema: z.object({ iso: z.string(), epochMs: z.number().int(), timezone: z.string(), local: z.string() }),
  annotations: { readOnlyHint: true },
  async handler({ timezone }, deps) {
    const date = deps.now();
    return { iso: date.toISOString(), epochMs: date.getTime(), timezone, local: wallClock(date, timezone) };
  },
});

export const convertTimezone = tool({
  name: 'convert_timezone',
  description: 'Show an instant (ISO 8601 with offset or Z) as wall-clock time in another time zone.',
  inputSchema: z.object({ time: z.iso.datetime({ offset: true }), to: TimeZone }).strict(),
  outputSchema: z.object({ iso: z.string(), timezone: z.string(), local: z.string(), offsetMinutes: z.number().int() }),
  annotations: { readOnlyHint: true },
  async handler({ time, to }) {
    const date = new Date(time);
    return { iso: date.toISOString(), timezone: to, local: wallClock(date, to), offsetMinutes: offsetMinutes(date, to) };
  },
});

export const scheduleTrigger = tool({
  name: 'schedule_trigger',
  description: 'Publish a trigger on NATS (subject <prefix>.trigger.<job>.<triggerId>) after delayMs, and then every everyMs if given. Reusing an id replaces that trigger.',
  inputSchema: z
    .object({
      triggerId: TriggerId,
      delayMs: z.number().int().min(0).max(7 * 86_400_000),
      everyMs: z.number().int().min(1000).max(7 * 86_400_000).optional(),
      payload: z.record(z.string(), z.unknown()).default({}),
    })
    .strict(),
  outputSchema: z.object({ trigger: Trigger }),
  async handler({ triggerId, delayMs, everyMs, payload }, deps) {
    try {
      const trigger = scheduler(deps).schedule({ jobId: deps.jobId, triggerId, delayMs, everyMs: everyMs ?? null, payload });
      return { trigger };
    } catch (error) {
      if (error instanceof RangeError) throw new ToolError('too_large', error.message, { cause: error });
      throw error;
    }
  },
});

export const cancelTrigger = tool({
  name: 'cancel_trigger',
  description: 'Cancel a scheduled trigger of this job.',
  inputSchema: z.object({ triggerId: TriggerId }).strict(),
  outputSchema: z.object({ cancelled: z.boolean() }),
  async handler({ triggerId }, deps) {
    return { cancelled: scheduler(deps).cancel(deps.jobId, triggerId) };
  },
});

export const listTriggers = tool({
  name: 'list_triggers',
  description: "This job's scheduled triggers.",
  inputSchema: z.object({}).strict(),
  outputSchema: z.object({ triggers: z.array(Trigger) }),
  annotations: { readOnlyHint: true },
  async handler(_args, deps) {
    return { triggers: deps.scheduler ? deps.scheduler.list(deps.jobId) : [] };
  },
});

export const TIME_TOOLS: ReadonlyArray<ToolDefinition<TimeToolDeps>> = [now, convertTimezone, scheduleTrigger, cancelTrigger, listTriggers];

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** `YYYY-MM-DD HH:mm:ss` in the zone, from Intl's parts so it never depends on a locale's layout. */
function wallClock(date: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

function offsetMinutes(date: Date, timeZone: string): number {
  const local = new Date(`${wallClock(date, timeZone).replace(' ', 'T')}Z`).getTime();
  return Math.round((local - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
}
