import { afterEach, describe, expect, it } from 'vitest';
import { createSubjects, type Role, type WorkRequest } from '../../proto/index.js';
import { MemoryWorkQueue, type MemoryWorkQueueOptions } from './memory-work-queue.js';
import type { WorkDelivery } from './work-queue.js';

const subjects = createSubjects('qtest');

function request(jobId: string, taskId: string, role: Role = 'backend', attempt = 1): WorkRequest {
  return {
    type: 'work.request', jobId, taskId, attempt, role, repo: '/r', jobPrompt: 'p', description: 'd',
    prompt: 'p', validationRules: ['r'], maxTokens: 100, previousError: null, avoidWorker: null, snapshot: null,
  };
}

const taskOf = (delivery: WorkDelivery | null) => (delivery?.payload as WorkRequest | undefined)?.taskId ?? null;

describe('MemoryWorkQueue', () => {
  const queues: MemoryWorkQueue[] = [];
  const open = (overrides: Partial<MemoryWorkQueueOptions> = {}) => {
    const queue = new MemoryWorkQueue({ subjects, roles: ['backend', 'frontend'], ackWaitMs: 100, maxDeliveries: 3, ...overrides });
    queues.push(queue);
    return queue;
  };
  afterEach(() => {
    for (const queue of queues.splice(0)) queue.close();
  });

  it('gives each request to one puller of its role only, oldest first', async () => {
    const queue = open();
    const backendA = queue.next('backend', 500);
    const backendB = queue.next('backend', 500);
    const frontend = queue.next('frontend', 50);
    await queue.submit(request('j1', 't1'));
    await queue.submit(request('j1', 't2'));
    expect([taskOf(await backendA), taskOf(await backendB)]).toEqual(['t1', 't2']);
    expect(await frontend).toBeNull();
    expect((await backendA)?.deliveryCount).toBe(1);
  });

  it('redelivers a request nobody acked within the ack wait, counting deliveries', async () => {
    const queue = open();
    await queue.submit(request('j1', 't1'));
    const first = await queue.next('backend', 50);
    expect(first?.deliveryCount).toBe(1);
    expect(await queue.next('backend', 50)).toBeNull();
    const again = await queue.next('backend', 500);
    expect([taskOf(again), again?.deliveryCount]).toEqual(['t1', 2]);
    again?.ack();
    expect(queue.pending).toBe(0);
  });

  it('keeps a delivery while its worker reports working, and forgets it once acked', async () => {
    const queue = open();
    await queue.submit(request('j1', 't1'));
    const delivery = await queue.next('backend', 50);
    const keepAlive = setInterval(() => delivery?.working(), 30);
    try {
      expect(await queue.next('backend', 300)).toBeNull();
    } finally {
      clearInterval(keepAlive);
    }
    delivery?.ack();
    expect(await queue.next('backend', 250)).toBeNull();
  });

  it('gives a nacked request back after its delay, and gives up after maxDeliveries', async () => {
    const queue = open({ ackWaitMs: 10_000 });
    await queue.submit(request('j1', 't1'));
    const first = await queue.next('backend', 50);
    const started = Date.now();
    first?.nak(80);
    const second = await queue.next('backend', 500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    first?.nak(); // a stale delivery cannot steer the request any more
    expect(second?.deliveryCount).toBe(2);
    second?.nak();
    const third = await queue.next('backend', 50);
    expect(third?.deliveryCount).toBe(3);
    third?.nak();
    expect(await queue.next('backend', 50)).toBeNull();
    expect(queue.pending).toBe(0);
  });

  it('ignores a repeated submit of the same attempt, but not a new attempt', async () => {
    const queue = open();
    await queue.submit(request('j1', 't1'));
    await queue.submit(request('j1', 't1'));
    await queue.submit(request('j1', 't1', 'backend', 2));
    expect(queue.pending).toBe(2);
  });

  it('purges only the requests of one job, including one in flight', async () => {
    const queue = open();
    await queue.submit(request('j1', 't1'));
    await queue.submit(request('j2', 't1'));
    await queue.submit(request('j1', 't2', 'frontend'));
    const inFlight = await queue.next('backend', 50);
    expect(taskOf(inFlight)).toBe('t1');
    await queue.purgeJob('j1');
    expect(queue.pending).toBe(1);
    inFlight?.working();
    expect((await queue.next('backend', 50))?.payload).toMatchObject({ jobId: 'j2' });
    expect(await queue.next('frontend', 50)).toBeNull();
  });

  it('redelivers to another client what a killed client held; the dead client can no longer ack', async () => {
    const queue = open();
    const dying = queue.connect();
    const survivor = queue.connect();
    await queue.submit(request('j1', 't1'));
    const held = await dying.next('backend', 50);
    dying.kill();
    held?.working();
    held?.ack();
    await expect(dying.next('backend', 10)).rejects.toThrow(/closed/);
    const taken = await survivor.next('backend', 500);
    expect([taskOf(taken), taken?.deliveryCount]).toEqual(['t1', 2]);
  });

  it('refuses a role it has no consumer for', async () => {
    const queue = open({ roles: ['backend'] });
    await expect(queue.next('docs', 10)).rejects.toThrow(/no work consumer for role "docs"/);
  });
});
