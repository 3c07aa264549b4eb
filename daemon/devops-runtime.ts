import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  JobCompleted,
  type JobEvent,
  type JobId,
  type JobRecord,
  type Subjects,
} from '../proto/index.js';
import type { Bus } from '../actors/bus/bus.js';
import { devopsArtifacts } from '../actors/devops/artifacts.js';
import { createImageBuilder } from '../actors/devops/docker-image-builder.js';
import { loadDockerode } from '../actors/engines/docker-engine.js';
import { JobFinalizer } from '../actors/devops/finalize-job.js';
import { buildResultBundle } from '../actors/devops/result-bundle.js';
import type { Logger } from '../actors/log/logger.js';
import { createIntegrationEngine, type Integrate } from '../actors/integration/engine.js';
import type { Memory } from '../actors/memory/memory-store.js';
import type { Sandbox } from '../actors/sandbox/sandbox.js';
import type { SuiteStore } from '../actors/acceptance/suite-store.js';
import type { DependencyCache } from '../actors/acceptance/deps-cache.js';
import { createTaskValidator } from '../actors/validation/task-validator.js';
import type { ResultService } from './api/result-routes.js';
import type { DaemonConfig } from './config.js';

export interface DevopsRuntimeOptions {
  config: DaemonConfig;
  jobsDir: string;
  bus: Bus;
  subjects: Subjects;
  publish: (event: JobEvent) => Promise<void>;
  /** The daemon's sandbox; it throws when no backend may run, and then the stages and rules that run code are unverified. */
  sandbox: () => Promise<Sandbox>;
  /** The Docker engine's socket when the sandbox runs on Docker, else null: images are built there. */
  dockerSocket?: () => Promise<string | null>;
  memory: Memory | null;
  /** Each job's frozen acceptance suite: http rules take their checks from it. */
  suiteStore?: SuiteStore;
  /** Each job's dependency cache, shared by its rules' app runs and its acceptance rounds. */
  depsCacheFor?: (jobId: JobId) => DependencyCache;
  /** Late-bound: the job manager is built after the Master machine; used by the finalizer and results only. */
  getJob: (id: string) => Promise<JobRecord | null>;
  now: () => Date;
  log: Logger;
}

export interface DevopsRuntime {
  integrate: Integrate;
  results: ResultService;
  close(): Promise<void>;
}

/**
 * The validation pipeline, the devops artifacts and the completion steps,
 * wired for the daemon: validation results become `validation.stage` events
 * and memory records, devops tasks get the generated deployment files, and a
 * completed job is tagged and built.
 */
export function createDevopsRuntime(options: DevopsRuntimeOptions): DevopsRuntime {
  const { config, log, suiteStore } = options;
  const sandbox = async (): Promise<Sandbox | null> => {
    try {
      return await options.sandbox();
    } catch (error) {
      log.warn('no sandbox: stages and rules that run generated code are unverified, and builds are skipped', { error: (error as Error).message });
      return null;
    }
  };
  const validate =
    config.validation.pipeline === 'full'
      ? createTaskValidator({
          sandbox,
          workspaceFor: (jobId) => join(options.jobsDir, jobId, 'validate'),
          testTimeoutMs: config.validation.testTimeoutMs,
          audit: config.validation.audit,
          minCoverage: config.validation.minCoverage,
          installDependencies: config.validation.installDependencies,
          installTimeoutMs: config.devops.installTimeoutMs,
          ...(suiteStore ? { suiteFor: (jobId: string) => suiteStore.load(jobId) } : {}),
          ...(options.depsCacheFor ? { depsCacheFor: options.depsCacheFor } : {}),
          onStage: (request, result) =>
            options
              .publish({ type: 'validation.stage', jobId: request.jobId, taskId: request.taskId, attempt: request.attempt, at: options.now().toISOString(), result })
              // The stage's result still reaches the task's report; a lost event must not fail the task.
              .catch((error: unknown) => log.warn('could not publish a validation stage', { jobId: request.jobId, taskId: request.taskId, error: String(error) })),
          ...(options.memory ? { memoryFor: (jobId: string) => (options.memory as Memory).forJob(jobId) } : {}),
          log,
        })
      : undefined;
  const integrate = createIntegrationEngine({
    ...(validate ? { validate } : {}),
    // A job's validations take turns in its one workspace, so optimistic rounds never ran in parallel:
    // they only validated again whenever main moved meanwhile (4 extra validations in 7 tasks, measured).
    // Holding the repository lock from the start validates each attempt once, on the main it commits onto.
    ...(validate ? { optimisticRounds: 0 } : {}),
    artifacts: (blueprint, request) => devopsArtifacts(blueprint, { appName: request.jobPrompt.split(/\s+/).slice(0, 4).join(' ') }),
    log,
  });
  const finalizer = new JobFinalizer({
    sandbox,
    jobDir: (jobId) => join(options.jobsDir, jobId),
    installTimeoutMs: config.devops.installTimeoutMs,
    imageBuilder: async () => {
      const socketPath = await options.dockerSocket?.().catch(() => null);
      return socketPath ? createImageBuilder(new (await loadDockerode())({ socketPath }), (dir) => readFile(join(dir, 'Dockerfile'), 'utf8')) : null;
    },
    now: options.now,
    log,
  });

  const completions = config.devops.finalizeOnCompletion ? options.bus.subscribe(options.subjects.job.eventOfAnyJob('completed')) : null;
  if (completions) {
    void (async () => {
      for await (const msg of completions) {
        const event = JobCompleted.safeParse(msg.payload);
        if (!event.success) continue;
        const job = await options.getJob(event.data.jobId);
        // The event only prompts a look at the record: a forged `completed` must not tag or build anything.
        if (!job || job.status !== 'completed') continue;
        finalizer.finalize(job).catch((error: unknown) => log.warn('could not finalize a completed job', { jobId: job.id, error: String(error) }));
      }
    })();
  }

  return {
    integrate,
    results: {
      get: options.getJob,
      finalize: (job) => finalizer.finalize(job),
      bundle: (job, devops) => buildResultBundle(job, join(options.jobsDir, job.id, 'artifacts'), devops, join(options.jobsDir, job.id, 'acceptance', 'suite.json')),
    },
    async close() {
      completions?.unsubscribe();
      await finalizer.close();
    },
  };
}
