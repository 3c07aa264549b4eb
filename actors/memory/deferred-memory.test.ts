import { describe, expect, it } from 'vitest';
import { DeferredMemory } from './deferred-memory.js';
import type { LanceMemory } from './lance-memory.js';
import type { LanceMemoryStore } from './lance-memory-store.js';

/** A stand-in with the parts DeferredMemory calls; the real one needs LanceDB. */
function fakeMemory(log: string[]): LanceMemory {
  const store = { scope: 'job' } as unknown as LanceMemoryStore;
  const fake: Pick<LanceMemory, 'forJob' | 'global' | 'dropJob' | 'close'> = {
    forJob: async (jobId) => (log.push(`forJob ${jobId}`), store),
    global: async () => (log.push('global'), store),
    dropJob: async (jobId) => void log.push(`dropJob ${jobId}`),
    close: async () => void log.push('close'),
  };
  return fake as LanceMemory;
}

describe('DeferredMemory', () => {
  it('opens once, on open() or the first call, and passes calls through', async () => {
    const log: string[] = [];
    let opened = 0;
    const memory = new DeferredMemory(async () => (opened++, fakeMemory(log)));
    expect(opened).toBe(0);
    await memory.forJob('j1');
    await memory.global();
    await memory.open();
    expect(opened).toBe(1);
    await memory.close();
    expect(log).toEqual(['forJob j1', 'global', 'close']);
  });

  it('closes without opening when nothing asked for memory', async () => {
    let opened = 0;
    const memory = new DeferredMemory(async () => (opened++, fakeMemory([])));
    await memory.close();
    expect(opened).toBe(0);
  });

  it('fails each call with the opening error, without an unhandled rejection, and still closes', async () => {
    const memory = new DeferredMemory(() => Promise.reject(new Error('broken embedding model')));
    void memory.open();
    await expect(memory.forJob('j1')).rejects.toThrow('broken embedding model');
    await expect(memory.global()).rejects.toThrow('broken embedding model');
    await expect(memory.close()).resolves.toBeUndefined();
  });
});
