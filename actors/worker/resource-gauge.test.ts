import { describe, expect, it } from 'vitest';
import { ResourceGauge, type ResourceReadings } from './resource-gauge.js';

describe('ResourceGauge', () => {
  it('averages CPU over the time since the previous sample, 100 being one core', () => {
    let cpu = 0;
    let now = 0;
    const readings: ResourceReadings = { cpuMicros: () => cpu, rssBytes: () => 50 * 2 ** 20, freeMemoryBytes: () => 2 ** 30, loadAverage1m: () => 0.456, nowMs: () => now };
    const gauge = new ResourceGauge(readings);
    cpu = 1_500_000;
    now = 1000;
    expect(gauge.sample()).toEqual({ rssBytes: 50 * 2 ** 20, cpuPercent: 150, freeMemoryBytes: 2 ** 30, loadAverage1m: 0.46 });
    cpu = 1_750_000;
    now = 2000;
    expect(gauge.sample().cpuPercent).toBe(25);
    // Two samples at one instant: no time has passed, so no rate.
    expect(gauge.sample().cpuPercent).toBe(0);
  });
});
