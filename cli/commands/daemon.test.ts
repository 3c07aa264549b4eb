import { describe, expect, it } from 'vitest';
import { workerProcessLines } from './daemon.js';

describe('workerProcessLines', () => {
  it('shows each worker process once, with its figures and a pause', () => {
    const worker = (name: string, process: string, paused: 'low_memory' | null, withResources = true) => ({
      worker: name,
      process,
      roles: ['backend'],
      busy: 0,
      alive: true,
      lastSeenMs: 10,
      paused,
      ...(withResources ? { resources: { rssBytes: 300 * 2 ** 20, cpuPercent: 87.5, freeMemoryBytes: 200 * 2 ** 20, loadAverage1m: 1.5 } } : {}),
    });
    expect(workerProcessLines([worker('a-backend-1', 'a', 'low_memory'), worker('a-docs-1', 'a', 'low_memory'), worker('b-backend-1', 'b', null, false)])).toEqual([
      'a: rss 300 MB, cpu 87.5%, machine free 200 MB, load 1.5 (paused: low memory, taking no new tasks)',
      'b: no resource figures (an older worker)',
    ]);
  });
});
