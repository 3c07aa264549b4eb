import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TriggerFired } from '../../proto/trigger.js';
import { silentLogger } from '../log/logger.js';
import { TriggerScheduler, type ScheduledTrigger } from './trigger-scheduler.js';

// Pure timer logic on a simulated clock; the daemon's restart is tested through the real daemon in test/triggers-restart.test.ts.
describe('TriggerScheduler', () => {
  let fired: TriggerFired[];
  let saved: ScheduledTrigger[][];
  let scheduler: TriggerScheduler;

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    fired = [];
    saved = [];
    scheduler = new TriggerScheduler({
      log: silentLogger,
      publish: async (event) => {
        fired.push(event);
      },
      onChange: (all) => saved.push(all),
    });
  });
  afterEach(() => {
    scheduler.stop();
    vi.useRealTimers();
  });

  it('reports every change, so what is saved always matches what is armed', () => {
    scheduler.schedule({ jobId: 'j1', triggerId: 'once', delayMs: 1000, everyMs: null, payload: {} });
    scheduler.schedule({ jobId: 'j1', triggerId: 'tick', delayMs: 500, everyMs: 2000, payload: { n: 1 } });
    expect(saved.at(-1)?.map((t) => t.triggerId)).toEqual(['once', 'tick']);
    vi.advanceTimersByTime(500);
    expect(saved.at(-1)?.find((t) => t.triggerId === 'tick')).toMatchObject({ count: 1, nextAt: '2026-01-01T00:00:02.500Z' });
    vi.advanceTimersByTime(500);
    // A one-shot trigger that fired is gone from the saved state, so a restart cannot fire it again.
    expect(saved.at(-1)?.map((t) => t.triggerId)).toEqual(['tick']);
    expect(scheduler.cancel('j1', 'tick')).toBe(true);
    expect(saved.at(-1)).toEqual([]);
    expect(scheduler.cancel('j1', 'tick')).toBe(false);
    expect(fired.map((e) => [e.triggerId, e.count])).toEqual([
      ['tick', 1],
      ['once', 1],
    ]);
  });

  it('restores saved triggers: one due while down fires once at once, then keeps its period', () => {
    scheduler.restore([
      { jobId: 'j1', triggerId: 'missed', delayMs: 0, everyMs: 60_000, payload: {}, nextAt: '2025-12-31T23:00:00.000Z', count: 4 },
      { jobId: 'j1', triggerId: 'later', delayMs: 0, everyMs: null, payload: { x: 1 }, nextAt: '2026-01-01T00:00:10.000Z', count: 0 },
    ]);
    expect(scheduler.list('j1').map((t) => t.triggerId)).toEqual(['missed', 'later']);
    vi.advanceTimersByTime(0);
    expect(fired).toMatchObject([{ triggerId: 'missed', count: 5 }]);
    vi.advanceTimersByTime(9_999);
    expect(fired).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(fired.at(-1)).toMatchObject({ triggerId: 'later', count: 1, payload: { x: 1 } });
    vi.advanceTimersByTime(50_000);
    expect(fired.at(-1)).toMatchObject({ triggerId: 'missed', count: 6 });
    expect(scheduler.list('j1').map((t) => t.triggerId)).toEqual(['missed']);
  });

  it('stops without forgetting: stop reports no change', () => {
    scheduler.schedule({ jobId: 'j1', triggerId: 'a', delayMs: 1000, everyMs: null, payload: {} });
    const changes = saved.length;
    scheduler.stop();
    vi.advanceTimersByTime(5000);
    expect(saved).toHaveLength(changes);
    expect(fired).toEqual([]);
  });
});
