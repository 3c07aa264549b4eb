import { describe, expect, it } from 'vitest';
import type { BusMessage, BusSubscription } from './bus.js';
import { MemoryBus, NoRespondersError, NoStreamError, RequestTimeoutError } from './memory-bus.js';

/** The next `count` messages, read through the iterator without leaving a loop (which would unsubscribe). */
async function take(sub: AsyncIterable<BusMessage>, count: number): Promise<BusMessage[]> {
  const iterator = sub[Symbol.asyncIterator]();
  const got: BusMessage[] = [];
  while (got.length < count) {
    const result = await iterator.next();
    if (result.done) break;
    got.push(result.value);
  }
  return got;
}

async function nothingArrives(sub: BusSubscription): Promise<boolean> {
  const iterator = sub[Symbol.asyncIterator]();
  const first = await Promise.race([iterator.next(), new Promise<'none'>((r) => setTimeout(() => r('none'), 30))]);
  return first === 'none';
}

describe('MemoryBus', () => {
  it('delivers by NATS wildcards: * is one token, > is the rest', async () => {
    const bus = new MemoryBus();
    const oneToken = bus.subscribe('p.job.*.completed');
    const rest = bus.subscribe('p.job.j1.>');
    const exact = bus.subscribe('p.job.j1.task.t1.completed');
    bus.publish('p.job.j1.completed', { n: 1 });
    bus.publish('p.job.j1.task.t1.completed', { n: 2 });
    bus.publish('p.job.j2.completed', { n: 3 });
    bus.publish('p.job.j1', { n: 4 });
    expect((await take(oneToken, 2)).map((m) => [m.subject, m.payload])).toEqual([
      ['p.job.j1.completed', { n: 1 }],
      ['p.job.j2.completed', { n: 3 }],
    ]);
    expect((await take(rest, 2)).map((m) => m.payload)).toEqual([{ n: 1 }, { n: 2 }]);
    expect((await take(exact, 1)).map((m) => m.payload)).toEqual([{ n: 2 }]);
    for (const sub of [oneToken, rest, exact]) expect(await nothingArrives(sub)).toBe(true);
  });

  it('gives each subscriber its own JSON copy and nothing published before it subscribed', async () => {
    const bus = new MemoryBus();
    bus.publish('a.b', { early: true });
    const first = bus.subscribe('a.b');
    const second = bus.subscribe('a.b');
    const payload = { list: [1], skipped: undefined };
    bus.publish('a.b', payload);
    payload.list.push(2);
    const [fromFirst] = await take(first, 1);
    const [fromSecond] = await take(second, 1);
    expect(fromFirst?.payload).toEqual({ list: [1] });
    expect(fromFirst?.payload).not.toHaveProperty('skipped');
    expect(fromFirst?.payload).not.toBe(fromSecond?.payload);
  });

  it('unsubscribes when a reader leaves its loop early', async () => {
    const bus = new MemoryBus();
    const sub = bus.subscribe('x.>');
    bus.publish('x.1', 1);
    for await (const message of sub) if (message.payload === 1) break;
    await expect(bus.request('x.2', 2, 50)).rejects.toThrow(NoRespondersError);
  });

  it('ends the iteration on unsubscribe and stops delivering', async () => {
    const bus = new MemoryBus();
    const sub = bus.subscribe('x.>');
    bus.publish('x.1', 1);
    sub.unsubscribe();
    bus.publish('x.2', 2);
    const seen: unknown[] = [];
    for await (const message of sub) seen.push(message.payload);
    expect(seen).toEqual([1]);
  });

  it('replays stored durable messages, then live ones, until aborted', async () => {
    const bus = new MemoryBus({ streamSubjects: ['p.job.>'] });
    await bus.publishDurable('p.job.j1.planned', 'planned');
    await bus.publishDurable('p.job.j2.planned', 'other job');
    bus.publish('p.job.j1.progress', 'not stored');
    await expect(bus.publishDurable('p.work.x', 'nowhere')).rejects.toThrow(NoStreamError);
    const controller = new AbortController();
    const seen: unknown[] = [];
    const done = (async () => {
      for await (const message of bus.replay('p.job.j1.>', controller.signal)) {
        seen.push(message.payload);
        if (seen.length === 2) controller.abort();
      }
    })();
    await bus.publishDurable('p.job.j1.completed', 'completed');
    await done;
    expect(seen).toEqual(['planned', 'completed']);
  });

  it('answers a request with the first reply, fails fast without responders, and times out without a reply', async () => {
    const bus = new MemoryBus();
    await expect(bus.request('svc.echo', 1, 1000)).rejects.toThrow(NoRespondersError);
    const echo = bus.subscribe('svc.*');
    const silent = bus.subscribe('svc.echo');
    void (async () => {
      for await (const message of echo) {
        message.respond({ echoed: message.payload });
        message.respond('a second reply is dropped');
      }
    })();
    await expect(bus.request('svc.echo', { n: 7 }, 1000)).resolves.toEqual({ echoed: { n: 7 } });
    echo.unsubscribe();
    await expect(bus.request('svc.echo', 1, 50)).rejects.toThrow(RequestTimeoutError);
    silent.unsubscribe();
  });

  it('rejects subjects NATS would reject, naming them', () => {
    const bus = new MemoryBus();
    expect(() => bus.publish('a.*', 1)).toThrow(/"a\.\*"/);
    expect(() => bus.subscribe('a.>.b')).toThrow(/"a\.>\.b"/);
    expect(() => bus.publish('a.b', undefined)).toThrow(/no JSON form/);
  });
});
