import { createActor, type ActorOptions, type AnyActorLogic } from 'xstate';
import type { JobEvent, JobRecord } from '../../proto/index.js';
import { MASTER_SYSTEM_ID, type MasterMachine, type MasterNotice, type ModelUsageEvent, type TaskProgressEvent } from '../../machines/master.machine.js';
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
  /**
   * The job's last step once it completed (tag, builds, RESULT.md): given the
   * final record as saved, after `job.completed` is published. Absent: nothing runs.
   */
  finalize?: (job: JobRecord) => Promise<unknown>;
  now: () => Date;
  log: Logger;
}

export interface RunningJob {
  readonly id: string;
  cancel(reason: string): void;
  /** Tells the Master what model calls spent meanwhile: a running attempt's progress, or planning's usage. */
  report(event: TaskProgressEvent | ModelUsageEvent): void;
  /** Whether the Master is still running and its job has this task: the job's live state, from memory. */
  hasLiveTask(taskId: string): boolean;
  stop(): void;
  /** Resolves with the final record once it is persisted and its events published. */
  readonly done: Promise<JobRecord>;
  /** Resolves once a completed job's finalization settled, at once for any other end (never if stopped first); never rejects. */
  readonly finalized: Promise<void>;
}

/**
 * Runs one Master actor. After every transition the job record is saved and
 * only then are that transition's events published (`TransitionWriter`), so
 * a subscriber never sees a state the daemon could lose in a crash. If the
 * actor itself fails, the job is saved as `failed` with code `internal`.
 * A completed job is then finalized from that same record, so nothing reads
 * it back or waits for its own `job.completed` to come round.
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
    // Lets the Master's children report to it (planning's model usage) through the actor system.
    systemId: MASTER_SYSTEM_ID,
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
  const finalized = writer.finished.then(async (record) => {
    if (record.status !== 'completed' || !deps.finalize) return;
    try {
      await deps.finalize(record);
    } catch (error) {
      // The job stays completed: `autodev result` finalizes again on demand and reports what failed.
      log.warn('could not finalize a completed job', { error: String(error) });
    }
  });

  return {
    id: job.id,
    // A Master that already ended (done or failed) has nothing to cancel; `done` answers.
    cancel: (reason) => {
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'CANCEL', reason });
    },
    report: (event) => {
      if (actor.getSnapshot().status === 'active') actor.send(event);
    },
    hasLiveTask: (taskId) => {
      const snapshot = actor.getSnapshot();
      return snapshot.status === 'active' && snapshot.context.job.tasks.some((task) => task.id === taskId);
    },
    stop: () => {
      writer.stop();
      actor.stop();
    },
    done: writer.finished,
    finalized,
  };
}

