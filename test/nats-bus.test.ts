import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsBus, ensureEventStream } from '../actors/bus/nats-bus.js';
import { NatsWorkQueue } from '../actors/bus/nats-work-queue.js';
import { SnapshotStore } from '../actors/bus/snapshot-store.js';
import { createSubjects, eventStreamName, workStreamName, type WorkRequest } from '../proto/index.js';
import { startTestNats, type TestNats } from './helpers/nats.js';

describe('NatsBus on a real nats-server', () => {
  let nats: TestNats;
  let bus: NatsBus;
  const subjects = createSubjects('bustest');

  beforeAll(async () => {
    nats = await startTestNats();
    const nc = await nats.connect();
    await ensureEventStream(nc, { name: eventStreamName('bustest'), subjects: [subjects.allJobEvents], maxAgeMs: 60_000 });
    // A second call updates the stream in place instead of failing.
    await ensureEventStream(nc, { name: eventStreamName('bustest'), subjects: [subjects.allJobEvents], maxAgeMs: 120_000 });
    bus = new NatsBus({ connection: nc, stream: eventStreamName('bustest') });
  });
  afterAll(async () => nats?.stop());

  it('replays durable messages to a late subscriber, then delivers live ones', async () => {
    await bus.publishDurable(subjects.job.event('ja', 'submitted'), { n: 1 });
    await bus.publishDurable(subjects.task.event('ja', 't1', 'completed'), { n: 2 });
    await bus.publishDurable(subjects.job.event('jb', 'submitted'), { n: 99 });
    const controller = new AbortController();
    const seen: unknown[] = [];
    const reading = (async () => {
      for await (const msg of bus.replay(subjects.job.all('ja'), controller.signal)) {
        seen.push(msg.payload);
        if (seen.length === 3) controller.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await bus.publishDurable(subjects.job.event('ja', 'completed'), { n: 3 });
    await reading;
    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('queues work durably: one worker per request, redelivery when unacked, purge per job', async () => {
    const nc = await nats.connect('queue');
    const queue = await NatsWorkQueue.open({
      connection: nc,
      subjects,
      stream: workStreamName('bustest'),
      roles: ['backend', 'docs'],
      ackWaitMs: 1000,
      maxDeliveries: 5,
    });
    const request = (jobId: string, taskId: string, attempt = 1): WorkRequest => ({
      type: 'work.request', jobId, taskId, attempt, role: 'backend', repo: '/r', jobPrompt: 'p', description: 'd', prompt: 'p',
      validationRules: ['r'], maxTokens: 100, previousError: null, avoidWorker: null, snapshot: null,
    });
    await queue.submit(request('ja', 't1'));
    await queue.submit(request('ja', 't1')); // the same attempt again: deduplicated
    await queue.submit(request('jb', 't1'));
    expect(await queue.next('docs', 1000)).toBeNull();

    const first = await queue.next('backend', 2000);
    expect(first?.payload).toMatchObject({ jobId: 'ja', taskId: 't1' });
    expect(first?.deliveryCount).toBe(1);
    // Not acked: after the ack wait it comes back, counted as a redelivery.
    const second = await queue.next('backend', 2000);
    expect(second?.payload).toMatchObject({ jobId: 'jb' });
    second?.ack();
    const again = await queue.next('backend', 3000);
    expect(again?.payload).toMatchObject({ jobId: 'ja', taskId: 't1' });
    expect(again?.deliveryCount).toBe(2);
    again?.ack();

    await queue.submit(request('jc', 't1'));
    await queue.submit(request('jc', 't2'));
    await queue.purgeJob('jc');
    expect(await queue.next('backend', 1000)).toBeNull();
  });

  it('stores a snapshot once when two tasks put the same commit at the same moment', async () => {
    const store = await SnapshotStore.open(await nats.connect('snapshots'), 'bustest-repos');
    const snapshot = { commit: 'c1', files: [{ path: 'spec/blueprint.json', content: 'x'.repeat(300_000) }] };
    let loads = 0;
    const load = async () => {
      loads++;
      return snapshot;
    };
    await Promise.all([store.ensure('j1.c1', load), store.ensure('j1.c1', load), store.ensure('j1.c1', load)]);
    await store.ensure('j1.c1', load);
    expect(loads).toBe(1);
    expect(await store.get('j1.c1')).toEqual(snapshot);
    expect(await store.get('j1.missing', 1000)).toBeNull();
  });
});
