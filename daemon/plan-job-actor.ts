import { fromPromise, type ActorSystem, type ActorSystemInfo } from 'xstate';
import type { ModelUsage, Task } from '../proto/index.js';
import { MASTER_SYSTEM_ID, type PlanJobInput } from '../machines/master.machine.js';
import type { SuiteStore } from '../actors/acceptance/suite-store.js';
import type { Logger } from '../actors/log/logger.js';
import type { MemoryHandle } from '../actors/memory/deferred-memory.js';
import type { ModelHandle } from './model-loader.js';
import type { DaemonConfig } from './config.js';
import { rememberBlueprint } from './blueprint-memory.js';

export interface PlanJobActorOptions {
  config: Pick<DaemonConfig, 'planMaxTokens' | 'maxRetries' | 'taskMaxTokens' | 'taskTimeoutMs' | 'planAttempts'>;
  model: ModelHandle;
  suites: SuiteStore;
  memory: Pick<MemoryHandle, 'forJob'> | null;
  /** Called as planning starts: what the job's first attempt will need begins to open meanwhile. */
  prewarm: () => void;
  log: Logger;
}

/** What planning spent goes to the job's own Master, which counts it as it happens (a cancel or crash mid-plan keeps it). */
function reportUsage(system: ActorSystem<ActorSystemInfo>, spent: ModelUsage): void {
  const master = system.get(MASTER_SYSTEM_ID);
  if (master?.getSnapshot().status === 'active') master.send({ type: 'MODEL_USAGE', ...spent });
}

/** The Master's `planJob` slot, as the daemon provides it. */
export function createPlanJobActor(options: PlanJobActorOptions) {
  const { config, log } = options;
  return fromPromise<Task[], PlanJobInput>(async ({ input, signal, system }) => {
    options.prewarm();
    await rememberBlueprint(options.memory, input.jobId, input.blueprint, log);
    // Planning derives the acceptance suite (an OpenAPI parser, samplers, ajv: some 80 modules): loaded with the first plan.
    const { planJob } = await import('../actors/master/plan-job.js');
    return planJob(
      {
        model: () => options.model.get(),
        maxTokens: config.planMaxTokens,
        maxRetries: config.maxRetries,
        taskBudget: { maxTokens: config.taskMaxTokens, timeoutMs: config.taskTimeoutMs },
        maxPlanAttempts: config.planAttempts,
        suites: options.suites,
        onUsage: (spent) => reportUsage(system, spent),
        log,
      },
      input,
      signal,
    );
  });
}
