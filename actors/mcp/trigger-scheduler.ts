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
  /**
   * Called with every live trigger after each change (scheduled, cancelled,
   * fired), so the daemon can keep them on disk across restarts.
   */
  onChange?: (triggers: ScheduledTrigger[]) => void;
}

/**
 * Timers of the time MCP server, one scheduler per daemon so triggers
 * outlive the MCP session that made them. The daemon persists them through
 * `onChange` and hands them back to `restore` when it starts again.
 */
export class TriggerScheduler {
  readonly #timers = new Map<string, { trigger: ScheduledTrigger; timer: NodeJS.Timeout }>();
  readonly #options: TriggerSchedulerOptions;

  constructor(options: TriggerSchedulerOptions) {
    this.#options = options;
  }

  schedule(spec: TriggerSpec): ScheduledTrigger {
    this.#remove(spec.jobId, spec.triggerId);
    const max = this.#options.maxPerJob ?? 100;
    if (this.list(spec.jobId).length >= max) throw new RangeError(`job ${spec.jobId} already has ${max} triggers; cancel one first`);
    const trigger: ScheduledTrigger = { ...spec, count: 0, nextAt: new Date(this.#now() + spec.delayMs).toISOString() };
    this.#arm(trigger, spec.delayMs);
    this.#changed();
    return { ...trigger };
  }

  /**
   * Re-arms triggers saved before a restart. One that came due while the
   * daemon was down fires once at once (not once per missed period), then
   * keeps its period; a one-shot one that already fired is not saved, so it
   * does not fire twice. Nothing is reported: what was restored is what is
   * saved already.
   */
  restore(triggers: readonly ScheduledTrigger[]): void {
    for (const saved of triggers) {
      this.#remove(saved.jobId, saved.triggerId);
      this.#arm({ ...saved }, Math.max(0, Date.parse(saved.nextAt) - this.#now()));
    }
  }

  cancel(jobId: string, triggerId: string): boolean {
    const removed = this.#remove(jobId, triggerId);
    if (removed) this.#changed();
    return removed;
  }

  list(jobId: string): ScheduledTrigger[] {
    return [...this.#timers.values()].filter((e) => e.trigger.jobId === jobId).map((e) => ({ ...e.trigger }));
  }

  /** Stops the timers without forgetting them: what was saved is restored at the next start. */
  stop(): void {
    for (const entry of this.#timers.values()) clearTimeout(entry.timer);
    this.#timers.clear();
  }

  #arm(trigger: ScheduledTrigger, delayMs: number): void {
    const key = `${trigger.jobId}/${trigger.triggerId}`;
    const fire = () => {
      trigger.count += 1;
      const event: TriggerFired = { type: 'trigger.fired', jobId: trigger.jobId, triggerId: trigger.triggerId, at: new Date(this.#now()).toISOString(), count: trigger.count, payload: trigger.payload };
      this.#options.publish(event).catch((error: unknown) => this.#options.log.warn('trigger not published', { trigger: key, error: String(error) }));
      if (trigger.everyMs === null) {
        this.#timers.delete(key);
      } else {
        trigger.nextAt = new Date(this.#now() + trigger.everyMs).toISOString();
        entry.timer = setTimeout(fire, trigger.everyMs);
      }
      this.#changed();
    };
    const entry = { trigger, timer: setTimeout(fire, delayMs) };
    this.#timers.set(key, entry);
  }

  #remove(jobId: string, triggerId: string): boolean {
    const key = `${jobId}/${triggerId}`;
    const entry = this.#timers.get(key);
    if (!entry) return false;
    clearTimeout(entry.timer);
    this.#timers.delete(key);
    return true;
  }

  #changed(): void {
    this.#options.onChange?.([...this.#timers.values()].map((e) => ({ ...e.trigger })));
  }

  #now(): number {
    return (this.#options.now ?? (() => new Date()))().getTime();
  }
}
