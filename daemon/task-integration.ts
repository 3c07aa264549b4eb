import { join } from 'node:path';
import type { JobEvent, JobId } from '../proto/index.js';
import { devopsArtifacts } from '../actors/devops/artifacts.js';
import type { Logger } from '../actors/log/logger.js';
import { createIntegrationEngine, type Integrate } from '../actors/integration/engine.js';
import type { Memory } from '../actors/memory/memory-store.js';
import type { Sandbox } from '../actors/sandbox/sandbox.js';
import type { SuiteStore } from '../actors/acceptance/suite-store.js';
import type { DependencyCache } from '../actors/sandbox-app/deps-cache.js';
import { createTaskValidator } from '../actors/validation/task-validator.js';
import type { DaemonConfig } from './config.js';

export interface TaskIntegrationOptions {
  config: Pick<DaemonConfig, 'validation' | 'devops'>;
  jobsDir: string;
  publish: (event: JobEvent) => Promise<void>;
  /** Null when no backend may run: the stages and rules that run code are then unverified. */
  sandbox: () => Promise<Sandbox | null>;
  memory: Memory | null;
  /** Each job's frozen acceptance suite: http rules take their checks from it. */
  suiteStore?: SuiteStore;
  /** Each job's dependency cache, shared by its rules' app runs and its acceptance rounds. */
  depsCacheFor?: (jobId: JobId) => DependencyCache;
  now: () => Date;
  log: Logger;
}

/**
 * What one task attempt's files go through on their way into main: the
 * validation pipeline (its results become `validation.stage` events and
 * memory records) in front of the integration engine, which adds the devops
 * artifacts a devops task gets and commits.
 */
export function createTaskIntegration(options: TaskIntegrationOptions): Integrate {
  const { config, log, suiteStore, sandbox } = options;
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
  return createIntegrationEngine({
    ...(validate ? { validate } : {}),
    // A job's validations take turns in its one workspace, so optimistic rounds never ran in parallel:
    // they only validated again whenever main moved meanwhile (4 extra validations in 7 tasks, measured).
    // Holding the repository lock from the start validates each attempt once, on the main it commits onto.
    ...(validate ? { optimisticRounds: 0 } : {}),
    artifacts: (blueprint, request) => devopsArtifacts(blueprint, { appName: request.jobPrompt.split(/\s+/).slice(0, 4).join(' ') }),
    log,
  });
}
