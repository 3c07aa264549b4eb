import { describe, expect, it } from 'vitest';
import { createSubjects, WorkerHeartbeat } from '../../proto/index.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { createWorkerHealthStore, workerHealth } from './worker-health-store.js';
import { WorkerRegistry } from './worker-registry.js';

const HEARTBEAT_MS = 100;

function beat(worker: string, fields: Partial<WorkerHeartbeat> = {}): WorkerHeartbeat {
  return WorkerHeartbeat.parse({
    type: 'worker.heartbeat',
    worker,
    process: `proc-${worker}`,
    roles: ['backend'],
    busy: 0,
    capacity: 2,
    at: '2026-01-01T00:00:00.000Z',
    ...fields,
  });
}

describe('worker health store', () => {
  it('keeps only the latest beat of each worker', () => {
    const store = createWorkerHealthStore();
    store.trigger.heartbeat({ heartbeat: beat('w1', { busy: 1 }), receivedAt: 0 });
    store.trigger.heartbeat({ heartbeat: beat('w1', { busy: 2 }), receivedAt: 50 });
    const health = workerHealth(store.getSnapshot().context, 60, HEARTBEAT_MS);
    expect(health).toEqual([
      { worker: 'w1', process: 'proc-w1', roles: ['backend'], busy: 2, alive: true, lastSeenMs: 10, paused: null },
    ]);
  });
});

describe('WorkerRegistry', () => {
  it('reports a worker that missed three beats as dead while others stay alive, sorted by id', () => {
    let now = 1_000;
    const registry = new WorkerRegistry({ heartbeatMs: HEARTBEAT_MS, now: () => now });
    registry.record(beat('w2', { roles: ['frontend'], paused: 'low_memory' }));
    const resources = { rssBytes: 1024, cpuPercent: 12.5, freeMemoryBytes: 4096, loadAverage1m: 0.5 };
    registry.record(beat('w1', { resources }));
    expect(registry.list().map((w) => [w.worker, w.alive])).toEqual([
      ['w1', true],
      ['w2', true],
    ]);
    expect(registry.list()[0]?.resources).toEqual(resources);

    // w1 keeps beating; w2 falls silent.
    for (let i = 0; i < 4; i++) {
      now += HEARTBEAT_MS;
      registry.record(beat('w1', { busy: i % 2 }));
    }
    // Exactly three beat periods of silence is still alive; one millisecond more is dead.
    now = 1_000 + 3 * HEARTBEAT_MS;
    expect(registry.list().find((w) => w.worker === 'w2')?.alive).toBe(true);
    now = 1_000 + 3 * HEARTBEAT_MS + 1;
    const health = registry.list();
    expect(health.find((w) => w.worker === 'w2')).toEqual({
      worker: 'w2',
      process: 'proc-w2',
      roles: ['frontend'],
      busy: 0,
      alive: false,
      lastSeenMs: 3 * HEARTBEAT_MS + 1,
      paused: 'low_memory',
    });
    expect(health.find((w) => w.worker === 'w1')).toMatchObject({ alive: true, busy: 1 });
    // The latest beat replaced the resources: the last one had none.
    expect(health.find((w) => w.worker === 'w1')).not.toHaveProperty('resources');

    // A stale worker that beats again comes back alive.
    registry.record(beat('w2'));
    expect(registry.list().find((w) => w.worker === 'w2')).toMatchObject({ alive: true, lastSeenMs: 0, paused: null });
  });

  it('takes heartbeats from the bus and ignores malformed ones', async () => {
    const subjects = createSubjects('regtest');
    const bus = new MemoryBus();
    const registry = new WorkerRegistry({ heartbeatMs: HEARTBEAT_MS });
    registry.start(bus, subjects.heartbeat);
    bus.publish(subjects.heartbeat, { type: 'worker.heartbeat', worker: 'evil', busy: -1 });
    bus.publish(subjects.heartbeat, beat('w1'));
    await new Promise((r) => setTimeout(r, 10));
    registry.stop();
    bus.publish(subjects.heartbeat, beat('w2'));
    await new Promise((r) => setTimeout(r, 10));
    expect(registry.list().map((w) => w.worker)).toEqual(['w1']);
  });
});
