import { describe, expect, it } from 'vitest';
import type { TriggerFired } from '../../../proto/trigger.js';
import { silentLogger } from '../../log/logger.js';
import { callTool } from '../tool.js';
import { TriggerScheduler } from '../trigger-scheduler.js';
import { convertTimezone, listTriggers, now, scheduleTrigger, TIME_TOOLS } from './time.js';

const at = new Date('2025-03-30T00:30:00.000Z');

describe('time tools, called as definitions', () => {
  it('answers now and convert_timezone from the clock it is given', async () => {
    const deps = { jobId: 'j1', now: () => at };
    expect(await callTool(now, { timezone: 'Europe/Paris' }, deps)).toEqual({ iso: at.toISOString(), epochMs: at.getTime(), timezone: 'Europe/Paris', local: '2025-03-30 01:30:00' });
    expect(await callTool(convertTimezone, { time: '2025-03-30T01:30:00Z', to: 'Europe/Paris' }, deps)).toMatchObject({ local: '2025-03-30 03:30:00', offsetMinutes: 120 });
    await expect(callTool(now, { timezone: 'Mars/Olympus' }, deps)).rejects.toThrow(/IANA time zone/);
  });

  it('schedules a trigger on a real scheduler that fires it, and refuses without one', async () => {
    const fired: TriggerFired[] = [];
    const scheduler = new TriggerScheduler({ publish: async (event) => void fired.push(event), log: silentLogger });
    try {
      const deps = { jobId: 'j1', now: () => new Date(), scheduler };
      const { trigger } = await callTool(scheduleTrigger, { triggerId: 'soon', delayMs: 0, payload: { n: 1 } }, deps);
      expect(trigger).toMatchObject({ triggerId: 'soon', everyMs: null, count: 0 });
      await expect.poll(() => fired.length).toBe(1);
      expect(fired[0]).toMatchObject({ jobId: 'j1', triggerId: 'soon', payload: { n: 1 } });
      expect((await callTool(listTriggers, {}, deps)).triggers).toEqual([]);
      await expect(callTool(scheduleTrigger, { triggerId: 'x', delayMs: 10 }, { jobId: 'j1', now: () => at })).rejects.toThrow(/NATS connection/);
    } finally {
      scheduler.stop();
    }
  });

  it('lists every tool of the server once, under its MCP name', () => {
    expect(TIME_TOOLS.map((t) => t.name)).toEqual(['now', 'convert_timezone', 'schedule_trigger', 'cancel_trigger', 'list_triggers']);
  });
});
