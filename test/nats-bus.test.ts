import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsBus, ensureEventStream } from '../actors/bus/nats-bus.js';
import { ProtocolError, createSubjects, eventStreamName } from '../proto/index.js';
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

  it('answers requests through a queue group, one responder per request', async () => {
    const a = bus.subscribe(subjects.work('backend'), { queue: subjects.workQueueGroup('backend') });
    const b = bus.subscribe(subjects.work('backend'), { queue: subjects.workQueueGroup('backend') });
    const served: string[] = [];
    const serve = async (name: string, sub: typeof a) => {
      for await (const msg of sub) {
        served.push(name);
        msg.respond({ by: name, echo: msg.payload });
      }
    };
    void serve('a', a);
    void serve('b', b);
    await bus.flush();
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) => bus.request(subjects.work('backend'), { i }, { timeoutMs: 5000 })),
    );
    expect(replies.map((r) => (r as { echo: { i: number } }).echo.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(served).toHaveLength(10);
    a.unsubscribe();
    b.unsubscribe();
  });

  it('turns "no responders" into worker_unavailable and honours abort', async () => {
    const error = await bus.request(subjects.work('docs'), {}, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('worker_unavailable');

    const silent = bus.subscribe(subjects.work('devops'));
    await bus.flush();
    const controller = new AbortController();
    const pending = bus.request(subjects.work('devops'), {}, { timeoutMs: 30_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    silent.unsubscribe();
  });
});
