import { freemem, loadavg } from 'node:os';
import type { WorkerResources } from '../../proto/index.js';

/** The raw readings a gauge takes; the defaults read this process and machine. */
export interface ResourceReadings {
  /** Process CPU time so far (user + system), in microseconds. */
  cpuMicros(): number;
  rssBytes(): number;
  /** Memory the machine can still give (Linux MemAvailable). */
  freeMemoryBytes(): number;
  loadAverage1m(): number;
  nowMs(): number;
}

export const processReadings: ResourceReadings = {
  cpuMicros: () => {
    const usage = process.cpuUsage();
    return usage.user + usage.system;
  },
  rssBytes: () => process.memoryUsage.rss(),
  freeMemoryBytes: () => freemem(),
  loadAverage1m: () => loadavg()[0] ?? 0,
  nowMs: () => performance.now(),
};

/**
 * Samples what a worker process uses, for its heartbeats (the seed's
 * "track worker memory and CPU"), and tells its pool when the machine is too
 * short of memory to start more work.
 */
export class ResourceGauge {
  readonly #read: ResourceReadings;
  #last: { cpu: number; at: number };

  constructor(read: ResourceReadings = processReadings) {
    this.#read = read;
    this.#last = { cpu: read.cpuMicros(), at: read.nowMs() };
  }

  /** CPU is averaged since the previous sample (or since the gauge was made). */
  sample(): WorkerResources {
    const cpu = this.#read.cpuMicros();
    const at = this.#read.nowMs();
    const wallMicros = (at - this.#last.at) * 1000;
    const cpuPercent = wallMicros > 0 ? Math.max(0, ((cpu - this.#last.cpu) / wallMicros) * 100) : 0;
    this.#last = { cpu, at };
    return {
      rssBytes: Math.round(this.#read.rssBytes()),
      cpuPercent: Number(cpuPercent.toFixed(1)),
      freeMemoryBytes: Math.round(this.#read.freeMemoryBytes()),
      loadAverage1m: Number(this.#read.loadAverage1m().toFixed(2)),
    };
  }

  freeMemoryBytes(): number {
    return this.#read.freeMemoryBytes();
  }
}
