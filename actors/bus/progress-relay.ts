import { TaskProgress, type Subjects } from '../../proto/index.js';
import type { Logger } from '../log/logger.js';
import type { Bus, BusSubscription } from './bus.js';

export interface ProgressRelayOptions {
  bus: Bus;
  subjects: Subjects;
  /** Stores the event in the job's event stream (the daemon's durable publish). */
  publish: (event: TaskProgress) => Promise<void>;
  /** Whether the job is live and has this task: progress of anything else is dropped. */
  accepts: (event: TaskProgress) => Promise<boolean>;
  log: Logger;
}

/** A worker's name is shown on one screen line; a longer one is not a worker's. */
const MAX_WORKER_NAME = 200;

/**
 * Workers may not publish job events: with that right a worker could forge a
 * job's `completed`. They report progress on `subjects.progress` instead, and
 * the daemon republishes it as `task.progress` only when it parses, names the
 * job and task of its subject, and belongs to a live job. The most a worker
 * can still do is claim progress on a live job's task, which decides nothing.
 */
export function startProgressRelay(options: ProgressRelayOptions): { stop(): void } {
  const { bus, subjects, log } = options;
  const subscription: BusSubscription = bus.subscribe(subjects.anyProgress);
  void (async () => {
    for await (const msg of subscription) {
      const parsed = TaskProgress.safeParse(msg.payload);
      if (!parsed.success || parsed.data.worker.length > MAX_WORKER_NAME) continue;
      const event = parsed.data;
      if (msg.subject !== subjects.progress(event.jobId, event.taskId)) continue;
      try {
        if (await options.accepts(event)) await options.publish(event);
      } catch (error) {
        log.warn('progress event lost', { jobId: event.jobId, taskId: event.taskId, error: String(error) });
      }
    }
  })();
  return { stop: () => subscription.unsubscribe() };
}
