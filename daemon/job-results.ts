import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DevopsReport, JobId, JobRecord } from '../proto/index.js';
import { createImageBuilder } from '../actors/devops/docker-image-builder.js';
import { JobFinalizer } from '../actors/devops/finalize-job.js';
import { buildResultBundle } from '../actors/devops/result-bundle.js';
import { loadDockerode } from '../actors/engines/docker-engine.js';
import type { Logger } from '../actors/log/logger.js';
import type { Sandbox } from '../actors/sandbox/sandbox.js';
import type { ResultService } from './api/result-routes.js';
import type { DaemonConfig } from './config.js';

export interface JobResultsOptions {
  config: Pick<DaemonConfig, 'devops'>;
  jobsDir: string;
  /** Null when no backend may run: the builds that run code are then skipped, with that reason. */
  sandbox: () => Promise<Sandbox | null>;
  /** The Docker engine's socket when the sandbox runs on Docker, else null: images are built there. */
  dockerSocket?: () => Promise<string | null>;
  /** The job records, for `GET /jobs/:id/result`. */
  getJob: (id: JobId) => Promise<JobRecord | null>;
  now: () => Date;
  log: Logger;
}

export interface JobResults {
  /** A completed job's last step: tag, builds, RESULT.md. Runs once per commit; a second call returns the stored report. */
  finalize(job: JobRecord): Promise<DevopsReport>;
  /** What `GET /jobs/:id/result` serves; it finalizes on demand a job that was not. */
  service: ResultService;
  /** Kills running build steps and waits for them. */
  close(): Promise<void>;
}

/** The finalizer and the result export, wired for the daemon: one finalizer, so a job runs its builds once. */
export function createJobResults(options: JobResultsOptions): JobResults {
  const finalizer = new JobFinalizer({
    sandbox: options.sandbox,
    jobDir: (jobId) => join(options.jobsDir, jobId),
    installTimeoutMs: options.config.devops.installTimeoutMs,
    imageBuilder: async () => {
      const socketPath = await options.dockerSocket?.().catch(() => null);
      return socketPath ? createImageBuilder(new (await loadDockerode())({ socketPath }), (dir) => readFile(join(dir, 'Dockerfile'), 'utf8')) : null;
    },
    now: options.now,
    log: options.log,
  });
  const finalize = (job: JobRecord) => finalizer.finalize(job);
  return {
    finalize,
    service: {
      get: options.getJob,
      finalize,
      bundle: (job, devops) => buildResultBundle(job, join(options.jobsDir, job.id, 'artifacts'), devops, join(options.jobsDir, job.id, 'acceptance', 'suite.json')),
    },
    close: () => finalizer.close(),
  };
}
