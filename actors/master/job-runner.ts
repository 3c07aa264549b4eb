import { createActor, type ActorOptions, type AnyActorLogic } from 'xstate';
import type { JobEvent, JobRecord } from '../../proto/index.js';
import type { MasterMachine, MasterNotice, ModelUsageEvent, TaskProgressEvent } from '../../machines/master.machine.js';
import type { Logger } from '../log/logger.js';
import type { JobStore } from './job-store.js';
import { TransitionWriter, type TransitionWriterDeps } from './transition-writer.js';

export interface JobRunnerDeps {
  machine: MasterMachine;
  store: JobStore;
  publish: (event: JobEvent) => Promise<void>;
  maxParallel: number;
  retryBaseMs?: number;
  jobTimeoutMs?: number | null;
  jobMaxTokens?: number | null;
  /** Integration rounds before a job whose app fails acceptance fails; the machine's default when absent. */
  maxAcceptanceRounds?: number;
  clock?: ActorOptions<AnyActorLogic>['clock'];
  /** Retry timing of failed saves and publishes; tests shorten it. */
  writerRetry?: Pick<TransitionWriterDeps, 'sleep' | 'retryDelayMs' | 'maxRetryDelayMs'>;
  now: () => Date;
  log: Logger;
}

export interface RunningJob {
  readonly id: string;
  cancel(reason: string): void;
  /** Tells the Master what model calls spent meanwhile: a running attempt's progress, or planning's usage. */
  report(event: TaskProgressEvent | ModelUsageEvent): void;
  stop(): void;
  /** Resolves with the final record once it is persisted and its events published. */
  readonly done: Promise<JobRecord>;
}

/**
 * Runs one Master actor. After every transition the job record is saved and
 * only then are that transition's events published (`TransitionWriter`), so
 * a subscriber never sees a state the daemon could lose in a crash. If the
 * actor itself fails, the job is saved as `failed` with code `internal`.
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
      ...(deps.maxAcceptanceRounds !== undefined ? { maxAcceptanceRounds: deps.maxAcceptanceRounds } : {}),
    },
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const log = deps.log.child({ jobId: job.id });
  const writer = new TransitionWriter({ store: deps.store, publish: deps.publish, log, ...(deps.writerRetry ?? {}) });
  let notices: MasterNotice[] = [];
  let latest: JobRecord = job;

  actor.on('*', (notice) => notices.push(notice));
  actor.subscribe({
    next: (snapshot) => {
      const at = deps.now().toISOString();
      const ended = snapshot.status === 'done' && !snapshot.context.job.endedAt ? { endedAt: at } : {};
      latest = { ...snapshot.context.job, updatedAt: at, ...ended };
      const events = notices.map((notice) => ({ ...notice, at }) as JobEvent);
      notices = [];
      writer.write(latest, events, snapshot.status === 'done');
    },
    // A bug in the Master must not leave the job `running` forever: the job fails, and says so.
    error: (error) => {
      const at = deps.now().toISOString();
      const wire = { code: 'internal' as const, message: `the Master stopped on an internal error: ${error instanceof Error ? error.message : String(error)}` };
      log.error('master actor crashed', { error: String(error) });
      const failed: JobRecord = { ...latest, status: 'failed', error: wire, updatedAt: at, endedAt: at };
      writer.write(failed, [{ type: 'job.failed', jobId: job.id, at, error: wire }], true);
    },
  });
  actor.start();

  return {
    id: job.id,
    // A Master that already ended (done or failed) has nothing to cancel; `done` answers.
    cancel: (reason) => {
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'CANCEL', reason });
    },
    report: (event) => {
      if (actor.getSnapshot().status === 'active') actor.send(event);
    },
    stop: () => {
      writer.stop();
      actor.stop();
    },
    done: writer.finished,
  };
}

