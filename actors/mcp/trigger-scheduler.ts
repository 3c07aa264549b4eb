import type { TriggerFired } from '../../proto/trigger.js';
import type { Logger } from '../log/logger.js';

export interface TriggerSpec {
  jobId: string;
  triggerId: string;
  /** First firing after this many ms. */
  delayMs: number;
  /** Then again every this many ms; null fires once. */
  everyMs: number | null;
  payload: Record<string, unknown>;
}

export interface ScheduledTrigger extends TriggerSpec {
  nextAt: string;
  count: number;
}

export interface TriggerSchedulerOptions {
  /** Publishes on NATS; the daemon passes a bus publish bound to `subjects.trigger`. */
  publish: (event: TriggerFired) => Promise<void>;
  log: Logger;
  now?: () => Date;
  /** Guards against a model scheduling thousands of timers. */
  maxPerJob?: number;
}

/**
 * Timers of the time MCP server, one scheduler per daemon so triggers
 * outlive the MCP session that made them. They live in memory: a daemon
 * restart drops them.
 */
export class TriggerScheduler {
  readonly #timers = new Map<string, { trigger: ScheduledTrigger; timer: NodeJS.Timeout }>();
  readonly #options: TriggerSchedulerOptions;

  constructor(options: TriggerSchedulerOptions) {
    this.#options = options;
  }

  schedule(spec: TriggerSpec): ScheduledTrigger {
    const key = `${spec.jobId}/${spec.triggerId}`;
    this.cancel(spec.jobId, spec.triggerId);
    const max = this.#options.maxPerJob ?? 100;
    if (this.list(spec.jobId).length >= max) throw new RangeError(`job ${spec.jobId} already has ${max} triggers; cancel one first`);
    const now = this.#now();
    const trigger: ScheduledTrigger = { ...spec, count: 0, nextAt: new Date(now + spec.delayMs).toISOString() };
    const fire = () => {
      trigger.count += 1;
      const event: TriggerFired = { type: 'trigger.fired', jobId: spec.jobId, triggerId: spec.triggerId, at: new Date(this.#now()).toISOString(), count: trigger.count, payload: spec.payload };
      this.#options.publish(event).catch((error: unknown) => this.#options.log.warn('trigger not published', { trigger: key, error: String(error) }));
      if (spec.everyMs === null) {
        this.#timers.delete(key);
        return;
      }
      trigger.nextAt = new Date(this.#now() + spec.everyMs).toISOString();
      entry.timer = setTimeout(fire, spec.everyMs);
    };
    const entry = { trigger, timer: setTimeout(fire, spec.delayMs) };
    this.#timers.set(key, entry);
    return { ...trigger };
  }

  cancel(jobId: string, triggerId: string): boolean {
    const key = `${jobId}/${triggerId}`;
    const entry = this.#timers.get(key);
    if (!entry) return false;
    clearTimeout(entry.timer);
    this.#timers.delete(key);
    return true;
  }

  list(jobId: string): ScheduledTrigger[] {
    return [...this.#timers.values()].filter((e) => e.trigger.jobId === jobId).map((e) => ({ ...e.trigger }));
  }

  stop(): void {
    for (const entry of this.#timers.values()) clearTimeout(entry.timer);
    this.#timers.clear();
  }

  #now(): number {
    return (this.#options.now ?? (() => new Date()))().getTime();
  }
}
