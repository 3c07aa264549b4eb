import { createActor, type ActorOptions, type AnyActorLogic } from 'xstate';
import type { JobEvent, JobRecord } from '../../proto/index.js';
import type { MasterMachine, MasterNotice } from '../../machines/master.machine.js';
import type { Logger } from '../log/logger.js';
import type { JobStore } from './job-store.js';

export interface JobRunnerDeps {
  machine: MasterMachine;
  store: JobStore;
  publish: (event: JobEvent) => Promise<void>;
  maxParallel: number;
  retryBaseMs?: number;
  jobTimeoutMs?: number | null;
  jobMaxTokens?: number | null;
  clock?: ActorOptions<AnyActorLogic>['clock'];
  now: () => Date;
  log: Logger;
}

export interface RunningJob {
  readonly id: string;
  cancel(reason: string): void;
  stop(): void;
  /** Resolves with the final record once it is persisted and its events published. */
  readonly done: Promise<JobRecord>;
}

/**
 * Runs one Master actor. After every transition the job record is saved and
 * only then are that transition's events published, so a subscriber never
 * sees a state the daemon could lose in a crash. Transitions that arrive
 * during a save are coalesced into the next one: a large job does not pay
 * one fsync per event.
 */
export function runJob(deps: JobRunnerDeps, job: JobRecord): RunningJob {
  // The wall-time budget counts from submission, so a resumed job keeps what it had left.
  const remainingMs =
    deps.jobTimeoutMs == null ? null : Date.parse(job.createdAt) + deps.jobTimeoutMs - deps.now().getTime();
  const actor = createActor(deps.machine, {
    input: {
      job,
      maxParallel: deps.maxParallel,
      retryBaseMs: deps.retryBaseMs,
      budgets: { maxTokens: deps.jobMaxTokens ?? null, remainingMs },
    },
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const log = deps.log.child({ jobId: job.id });
  let notices: MasterNotice[] = [];
  // Transitions not yet written: while one save runs, later ones pile up here and are
  // written together, latest record once, then all their events in order.
  let backlog: { record: JobRecord; events: JobEvent[]; finished: boolean } | null = null;
  let flushing = false;
  let resolveDone: (job: JobRecord) => void = () => {};
  const done = new Promise<JobRecord>((resolve) => (resolveDone = resolve));

  const flush = async () => {
    flushing = true;
    while (backlog) {
      const { record, events, finished } = backlog;
      backlog = null;
      try {
        await deps.store.save(record);
        for (const event of events) await deps.publish(event);
      } catch (error) {
        log.error('could not persist or publish a job transition', { error: String(error) });
      }
      if (finished) resolveDone(record);
    }
    flushing = false;
  };

  actor.on('*', (notice) => notices.push(notice));
  actor.subscribe({
    next: (snapshot) => {
      const at = deps.now().toISOString();
      const record: JobRecord = { ...snapshot.context.job, updatedAt: at };
      const events = notices.map((notice) => ({ ...notice, at }) as JobEvent);
      notices = [];
      backlog = { record, events: [...(backlog?.events ?? []), ...events], finished: snapshot.status === 'done' };
      if (!flushing) void flush();
    },
    error: (error) => log.error('master actor crashed', { error: String(error) }),
  });
  actor.start();

  return {
    id: job.id,
    cancel: (reason) => actor.send({ type: 'CANCEL', reason }),
    stop: () => actor.stop(),
    done,
  };
}

