import { join } from 'node:path';
import {
  JOB_RECORD_VERSION,
  ProtocolError,
  isTerminalJobStatus,
  newJobId,
  type CancelCommand,
  type JobEvent,
  type JobId,
  type Blueprint,
  type JobRecord,
  type Subjects,
  type SubmitJobBody,
  type TaskProgress,
} from '../../proto/index.js';
import type { Bus } from '../bus/bus.js';
import type { Logger } from '../log/logger.js';
import type { JobStore } from './job-store.js';
import { runJob, type JobRunnerDeps, type RunningJob } from './job-runner.js';
import { reconcileWithRepo } from './reconcile.js';

export interface JobManagerOptions extends Omit<JobRunnerDeps, 'store' | 'publish'> {
  store: JobStore;
  bus: Bus;
  subjects: Subjects;
  publish: (event: JobEvent) => Promise<void>;
  /** Each job's repository is `<jobsDir>/<jobId>/repo`. */
  jobsDir: string;
  /** Throws a ProtocolError when no job can be planned, e.g. no model configured. */
  assertReady: () => void;
  /** Drops a job's queued work requests; called before a resume and on cancel. */
  purgeWork: (jobId: JobId) => Promise<void>;
  /** The ProjectAnalyzer; throws a `bad_request` ProtocolError for an invalid spec. */
  analyze: (prompt: string, spec: string | null) => Promise<Blueprint>;
  newId?: () => JobId;
  log: Logger;
}

/** Owns the running Masters: submission, lookup, cancellation and resume after a crash. */
export class JobManager {
  readonly #options: JobManagerOptions;
  readonly #running = new Map<JobId, RunningJob>();

  constructor(options: JobManagerOptions) {
    this.#options = options;
  }

  get activeCount(): number {
    return this.#running.size;
  }

  async submit(body: SubmitJobBody): Promise<JobRecord> {
    this.#options.assertReady();
    const blueprint = await this.#options.analyze(body.prompt, body.spec ?? null);
    const id = (this.#options.newId ?? (() => newJobId(this.#options.now())))();
    const at = this.#options.now().toISOString();
    const job: JobRecord = {
      schemaVersion: JOB_RECORD_VERSION,
      id,
      prompt: body.prompt,
      spec: body.spec ?? null,
      blueprint,
      status: 'planning',
      repo: join(this.#options.jobsDir, id, 'repo'),
      createdAt: at,
      updatedAt: at,
      tasks: [],
      error: null, acceptance: null,
    };
    await this.#options.store.save(job);
    await this.#options.publish({
      type: 'job.submitted',
      jobId: id,
      at,
      prompt: job.prompt,
      hasSpec: job.spec !== null,
      repo: job.repo,
    });
    this.#start(job);
    return job;
  }

  get(id: JobId): Promise<JobRecord | null> {
    return this.#options.store.get(id);
  }

  async list(): Promise<JobRecord[]> {
    const jobs = await this.#options.store.list();
    return jobs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async cancel(id: JobId, reason: string): Promise<JobRecord> {
    const job = await this.#options.store.get(id);
    if (!job) throw new ProtocolError('not_found', `no job ${id}`);
    const running = this.#running.get(id);
    if (!running || isTerminalJobStatus(job.status)) {
      throw new ProtocolError('conflict', `job ${id} is already ${job.status}`, { status: job.status });
    }
    const command: CancelCommand = { type: 'cmd.cancel', jobId: id, reason };
    this.#options.bus.publish(this.#options.subjects.cancelJob(id), command);
    running.cancel(reason);
    await this.#options.purgeWork(id).catch((error: unknown) => this.#options.log.warn('could not purge queued work', { jobId: id, error: String(error) }));
    return running.done;
  }

  /** A worker's progress on a live job: the Master counts the running attempt's tokens so far (live usage, cancels, crashes). */
  noteProgress(event: TaskProgress): void {
    const { taskId, tokens, attempt } = event;
    this.#running.get(event.jobId)?.report({ type: 'TASK_PROGRESS', taskId, tokens, ...(attempt !== undefined ? { attempt } : {}) });
  }

  /** Whether a worker's report on this task may stand as an event: its job's Master runs, and the job has the task. */
  isLiveTask(jobId: JobId, taskId: string): boolean {
    return this.#running.get(jobId)?.hasLiveTask(taskId) ?? false;
  }

  /** Restarts every job a previous daemon left unfinished. */
  async resumeUnfinished(): Promise<JobId[]> {
    const resumed: JobId[] = [];
    for (const job of await this.#options.store.list()) {
      if (isTerminalJobStatus(job.status) || this.#running.has(job.id)) continue;
      // Requests queued by the dead daemon carry attempts that will never be awaited.
      await this.#options.purgeWork(job.id);
      const restored = await reconcileWithRepo(job);
      await this.#options.store.save(restored);
      const at = this.#options.now().toISOString();
      await this.#options.publish({ type: 'job.resumed', jobId: job.id, at });
      for (const task of restored.tasks) {
        const before = job.tasks.find((t) => t.id === task.id);
        if (task.status === 'completed' && before?.status !== 'completed' && task.output) {
          await this.#options.publish({ type: 'task.completed', jobId: job.id, taskId: task.id, at, output: task.output });
        }
      }
      this.#options.log.info('resuming job', { jobId: job.id, status: job.status });
      this.#start(restored);
      resumed.push(job.id);
    }
    return resumed;
  }

  /** Stops every Master without changing its record, so the next start resumes it. */
  stopAll(): void {
    for (const running of this.#running.values()) running.stop();
    this.#running.clear();
  }

  #start(job: JobRecord): void {
    const running = runJob(this.#options, job);
    this.#running.set(job.id, running);
    void running.done.then(() => this.#running.delete(job.id));
  }
}
