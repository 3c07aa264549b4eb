import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsBus, ensureEventStream } from '../actors/bus/nats-bus.js';
import { NatsWorkQueue } from '../actors/bus/nats-work-queue.js';
import { createLogger, silentLogger } from '../actors/log/logger.js';
import { WorkerPool, type WorkerPoolOptions } from '../actors/worker/worker-pool.js';
import { processReadings, ResourceGauge } from '../actors/worker/resource-gauge.js';
import { WorkerRegistry } from '../actors/master/worker-registry.js';
import { WorkReply, createSubjects, eventStreamName, workStreamName, type WorkRequest } from '../proto/index.js';
import { startTestNats, type TestNats } from './helpers/nats.js';
import { waitUntil } from './helpers/env.js';
import { createActor, setup } from 'xstate';
import { createRunTaskLogic } from '../actors/master/run-task.js';
import { makeTask } from '../machines/task.fixture.js';
import type { TaskFailedEvent } from '../machines/master.machine.js';

const subjects = createSubjects('pooltest');

function request(taskId: string, avoidWorker: string | null): WorkRequest {
  return {
    type: 'work.request', jobId: 'j1', taskId, attempt: 2, role: 'backend', repo: '/r', jobPrompt: 'p', description: 'd',
    prompt: 'p', validationRules: ['r'], maxTokens: 100, previousError: avoidWorker ? 'task_failed: boom' : null, avoidWorker, snapshot: null,
  };
}

describe('WorkerPool on a real work queue', () => {
  let nats: TestNats;
  let bus: NatsBus;
  let queue: NatsWorkQueue;
  const pools: WorkerPool[] = [];
  const handledBy = new Map<string, string>();

  beforeAll(async () => {
    nats = await startTestNats();
    const nc = await nats.connect();
    await ensureEventStream(nc, { name: eventStreamName('pooltest'), subjects: [subjects.allJobEvents], maxAgeMs: 60_000 });
    bus = new NatsBus({ connection: nc, stream: eventStreamName('pooltest') });
    queue = await NatsWorkQueue.open({ connection: nc, subjects, stream: workStreamName('pooltest'), roles: ['backend'], ackWaitMs: 5000, maxDeliveries: 5 });
  });
  afterAll(async () => {
    for (const pool of pools) pool.stop();
    await nats?.stop();
  });

  const startPool = (name: string, extra: Partial<WorkerPoolOptions> = {}) => {
    const pool = new WorkerPool({
      bus, subjects, queue, roles: ['backend'], workersPerRole: 1, log: silentLogger, name, heartbeatMs: 200,
      perform: async (workerId, req) => {
        handledBy.set(req.taskId, workerId);
        return { summary: 'ok', files: [{ path: 'a.ts', content: 'x' }], tokens: 1 };
      },
      ...extra,
    });
    pool.start();
    pools.push(pool);
    return pool;
  };

  async function dispatch(req: WorkRequest): Promise<WorkReply> {
    const replies = bus.subscribe(subjects.workReply(req.jobId, req.taskId, req.attempt));
    await queue.submit(req);
    for await (const msg of replies) {
      replies.unsubscribe();
      return WorkReply.parse(msg.payload);
    }
    throw new Error('no reply');
  }

  it('sends a retry to another worker than the one that failed it, or back to it when it is alone', async () => {
    startPool('alpha');
    const alone = await dispatch(request('t1', 'alpha-backend-1'));
    expect(alone).toMatchObject({ type: 'work.succeeded', worker: 'alpha-backend-1' });

    startPool('beta');
    const registry = new WorkerRegistry({ heartbeatMs: 200 });
    registry.start(bus, subjects.heartbeat);
    await waitUntil(() => registry.list().filter((w) => w.alive).length === 2, 5000, 'both workers to beat');
    for (let i = 0; i < 3; i++) {
      const reply = await dispatch(request(`r${i}`, 'alpha-backend-1'));
      expect(reply.worker).toBe('beta-backend-1');
    }
    registry.stop();
  });

  it('takes no new work while its machine is short of memory, says so in its heartbeat, and resumes', async () => {
    for (const pool of pools.splice(0)) pool.stop();
    // Real process readings, except the machine's free memory, which the test moves below and above the floor.
    let freeMemory = 100 * 2 ** 20;
    const gauge = new ResourceGauge({ ...processReadings, freeMemoryBytes: () => freeMemory });
    const lines: string[] = [];
    startPool('gamma', { gauge, minFreeMemoryBytes: 256 * 2 ** 20, log: createLogger({ write: (line) => lines.push(line) }) });
    const registry = new WorkerRegistry({ heartbeatMs: 200 });
    registry.start(bus, subjects.heartbeat);
    await waitUntil(() => registry.list().some((w) => w.process === 'gamma' && w.paused === 'low_memory'), 5000, 'a paused heartbeat');
    const gamma = registry.list().find((w) => w.process === 'gamma');
    expect(gamma?.resources?.rssBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(gamma?.resources?.freeMemoryBytes).toBe(100 * 2 ** 20);

    const reply = dispatch(request('mem1', null));
    await new Promise((r) => setTimeout(r, 1500));
    expect(handledBy.has('mem1')).toBe(false);
    freeMemory = 4096 * 2 ** 20;
    expect(await reply).toMatchObject({ type: 'work.succeeded', worker: 'gamma-backend-1' });
    await waitUntil(() => registry.list().some((w) => w.process === 'gamma' && w.paused === null), 5000, 'a resumed heartbeat');
    expect(lines.filter((l) => l.includes('short of memory'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('taking work again'))).toHaveLength(1);
    registry.stop();
  });

  it('fails an attempt that outlives its task\'s time budget with task_timeout', async () => {
    const logic = createRunTaskLogic({ bus, subjects, queue, snapshots: null, maxTimeoutMs: 60_000 });
    const failures: TaskFailedEvent[] = [];
    const parent = setup({ actors: { run: logic } }).createMachine({
      invoke: { src: 'run', input: { jobId: 'j2', jobPrompt: 'p', repo: '/r', blueprint: null, attempt: 1, task: makeTask('t1', { type: 'docs', budget: { maxTokens: 10, timeoutMs: 300 } }) } },
      on: { TASK_FAILED: { actions: ({ event }) => void failures.push(event as TaskFailedEvent) } },
    });
    const started = Date.now();
    const actor = createActor(parent).start();
    await waitUntil(() => failures.length > 0, 50_000, 'the attempt to time out');
    actor.stop();
    expect(failures[0]?.error.code).toBe('task_timeout');
    // Nothing answers the attempt, so only its 300 ms budget ends it before the 60 s ceiling.
    expect(Date.now() - started).toBeLessThan(50_000);
    await queue.purgeJob('j2');
  });
});
