import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { listen } from './api/listen.js';
import { JobEvent, type JobId, type TaskProgress } from '../proto/index.js';
import { masterMachine } from '../machines/master.machine.js';
import { masterGuardFault, type Failpoint } from './failpoints.js';
import type { Logger } from '../actors/log/logger.js';
import { JobManager } from '../actors/master/job-manager.js';
import { createRunTaskLogic } from '../actors/master/run-task.js';
import { WorkerRegistry } from '../actors/master/worker-registry.js';
import { fromPromise } from 'xstate';
import { createApp } from './api/app.js';
import { WebSessions } from './api/web-sessions.js';
import { webAssetsDir } from './web-assets.js';
import type { DaemonConfig } from './config.js';
import { removeDaemonFile, writeDaemonFile } from './daemon-file.js';
import { FileJobStore } from './file-job-store.js';
import { preparePrivateHome } from './home-folder.js';
import { lockHome } from './home-lock.js';
import { createModelRegistry } from './model-registry.js';
import { createModelService } from './model-service.js';
import { ensureToken } from './secrets.js';
import { natsCredentialService } from './nats-users.js';
import { startProgressRelay } from '../actors/bus/progress-relay.js';
import { ALL_ROLES, openWorkPlumbing, startWorkerPool } from './worker-runtime.js';
import { createDeferredMemory } from './memory-setup.js';
import { TriggerScheduler } from '../actors/mcp/trigger-scheduler.js';
import { TriggerFile } from './trigger-file.js';
import { WarmUpBoard, warmUpModels } from './warm-up.js';
import { openPersistentThinking } from './mcp/thinking-files.js';
import { createMcpHost } from './mcp/host.js';
import { listCatalog } from '../actors/mcp/catalog.js';
import { createSandboxRunService } from './sandbox-run-service.js';
import { createDoctorService } from './doctor-service.js';
import { handleMcpHttp } from './mcp/http-route.js';
import { createWorkerTools } from './mcp/worker-tools.js';
import { TaskMemory } from '../actors/memory/task-memory.js';
import { readFileAt } from '../actors/git/repo.js';
import type { Sandbox } from '../actors/sandbox/sandbox.js';
import { openDaemonBus } from './daemon-bus.js';
import { openDaemonSandbox } from './daemon-sandbox.js';
import { optionalSandbox } from './optional-sandbox.js';
import { prewarmSandbox } from './sandbox-prewarm.js';
import { createPlanJobActor } from './plan-job-actor.js';
import { createTaskIntegration } from './task-integration.js';
import { createJobResults } from './job-results.js';
import { acceptAppTimeouts, acceptJobTimeouts } from './acceptance-config.js';
import { DependencyCache } from '../actors/sandbox-app/deps-cache.js';
import { SharedDependencyCache } from '../actors/sandbox-app/shared-deps-cache.js';
import { createFileSuiteStore } from '../actors/acceptance/suite-store.js';
import { VERSION } from './version.js';

export { VERSION } from './version.js';

export interface DaemonOptions {
  home: string;
  config: DaemonConfig;
  log: Logger;
  /** Use this NATS server instead of starting one. */
  natsUrl?: string;
  apiPort?: number;
  now?: () => Date;
  /** --unsafe-no-sandbox: allow running generated code unconfined when no sandbox works. */
  unsafeNoSandbox?: boolean;
  /** Faults injected on purpose, for the tests that prove a failure is handled (AUTODEV_FAILPOINTS). */
  failpoints?: ReadonlySet<Failpoint>;
}

export interface RunningDaemon {
  apiUrl: string;
  natsUrl: string;
  tokenFile: string;
  jobs: JobManager;
  /** The sandbox generated code runs in; opened on first call (engine, image, warm pool). */
  sandbox(): Promise<Sandbox>;
  /** Resolves with the reason if the daemon stopped itself (its NATS bus could not come back); never rejects. */
  failed: Promise<string>;
  stop(): Promise<void>;
}

/**
 * Wires every part together; the only place that knows the concrete
 * implementations. Each part is built before what uses it, so nothing here
 * is bound late: a job's path runs one way, from submission through the
 * Master and its actors to the saved record, its events and its finalization.
 */
export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { home, config, log } = options;
  const now = options.now ?? (() => new Date());
  const tightened = await preparePrivateHome(home);
  if (tightened.length > 0) log.warn('made folders readable by their owner only (they were open to other users)', { folders: tightened });
  const lock = await lockHome(home);
  const jobsDir = join(home, 'jobs');
  // One store of frozen acceptance suites: planning writes them, the integration phase reads them.
  const suiteStore = createFileSuiteStore(jobsDir);
  await mkdir(jobsDir, { recursive: true, mode: 0o700 });
  const tokenFile = join(home, 'token');
  const token = await ensureToken(tokenFile);
  // The master plans one job at a time per sequence; workers generate up to maxParallelTasks at once.
  const models = createModelRegistry(config, { home, workerSequences: config.maxParallelTasks, masterSequences: 1 });

  // The lock is released last: nothing may start on this home while our nats-server still runs.
  const cleanups: Array<() => Promise<void> | void> = [() => lock.release()];
  const defer = (cleanup: () => Promise<void> | void) => void cleanups.push(cleanup);
  // Once only: a signal can arrive while the daemon is already stopping itself.
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          log.warn('error while stopping', { error: String(error) });
        }
      }
    })());

  try {
    let failedWith: (reason: string) => void = () => {};
    const failed = new Promise<string>((resolve) => (failedWith = resolve));
    const { server: nats, url: natsUrl, connection: nc, supervisor, subjects, bus, publish } = await openDaemonBus({
      home,
      config,
      token,
      ...(options.natsUrl ? { natsUrl: options.natsUrl } : {}),
      onGiveUp: (reason) => {
        log.error('stopping: the message bus cannot come back', { reason });
        void stop().then(() => failedWith(reason));
      },
      defer,
      now,
      log,
    });
    defer(() => models.close());

    const plumbing = await openWorkPlumbing(nc, subjects, config);
    const registry = new WorkerRegistry({ heartbeatMs: config.heartbeatMs });
    registry.start(bus, subjects.heartbeat);
    defer(() => registry.stop());
    // What is still loading after the daemon answers (models, memory, the sandbox), for /health.
    const warmUp = new WarmUpBoard();
    const memory = createDeferredMemory(config, home, log, warmUp);
    if (memory) defer(() => memory.close());
    const sandboxLog = log.child({ component: 'sandbox' });
    const { sandbox, dockerSocket } = await openDaemonSandbox({ home, config: config.sandbox, unsafeNoSandbox: options.unsafeNoSandbox ?? false, warmUp, defer, log: sandboxLog });
    const store = new FileJobStore({ jobsDir, log, now });
    // Per job, under the job's own folder: see deps-cache.ts for why it is never shared between jobs.
    const depsCacheFor = (jobId: JobId) => new DependencyCache({ dir: join(jobsDir, jobId, 'deps-cache'), log: log.child({ component: 'deps-cache' }) });
    const devopsLog = log.child({ component: 'devops' });
    const integrate = createTaskIntegration({ config, jobsDir, publish, sandbox: optionalSandbox(sandbox, devopsLog), memory, suiteStore, depsCacheFor, now, log: devopsLog });
    const results = createJobResults({ config, jobsDir, sandbox: optionalSandbox(sandbox, devopsLog), dockerSocket, getJob: (id) => store.get(id), now, log: devopsLog });
    defer(() => results.close());
    const triggerFile = new TriggerFile({ home, log });
    const triggers = new TriggerScheduler({
      log,
      publish: async (event) => bus.publish(subjects.trigger(event.jobId, event.triggerId), event),
      onChange: (all) => void triggerFile.save(all),
    });
    triggers.restore(await triggerFile.load());
    defer(async () => {
      triggers.stop();
      await triggerFile.idle();
    });
    const thinking = await openPersistentThinking(jobsDir, log);
    defer(() => thinking.idle());
    const mcp = createMcpHost({ jobsDir, settings: config.mcp, log: log.child({ component: 'mcp' }), scheduler: triggers, thinking: thinking.store, sandbox, ...(memory ? { memory } : {}) });
    const taskMemory = memory
      ? new TaskMemory({
          memory,
          contextTokens: config.models.worker.contextSize ?? config.contextSize,
          knowledgeChars: config.contextChars,
          topK: config.memory.topK,
          readCommitted: readFileAt,
          log,
        })
      : null;

    const machine = masterMachine.provide({
      ...(options.failpoints?.has('master-guard') ? { guards: { allCompleted: masterGuardFault } } : {}),
      actors: {
        planJob: createPlanJobActor({ config, model: models.master, suites: suiteStore, memory, prewarm: () => prewarmSandbox(sandbox, log), log }),
        runTask: createRunTaskLogic({ bus, subjects, ...plumbing, maxTimeoutMs: config.taskTimeoutMs, memory: taskMemory, integrate }),
        acceptJob: fromPromise(async ({ input, signal }) => {
          const { acceptJob } = await import('../actors/master/accept-job.js');
          return acceptJob({ jobsDir, suiteStore, sandbox, publish, now, depsCacheFor, timeouts: acceptJobTimeouts(config.acceptance), log: log.child({ component: 'acceptance' }) }, input, signal);
        }),
      },
    });
    const jobs = new JobManager({
      machine,
      store,
      bus,
      subjects,
      publish,
      jobsDir,
      maxParallel: config.maxParallelTasks,
      retryBaseMs: config.retryBaseMs,
      jobTimeoutMs: config.jobTimeoutMs,
      jobMaxTokens: config.jobMaxTokens,
      maxAcceptanceRounds: config.acceptanceRounds,
      // A completed job's last step, given its final record in memory, after `job.completed` is out.
      ...(config.devops.finalizeOnCompletion ? { finalize: results.finalize } : {}),
      assertReady: () => {
        supervisor.assertUp();
        models.master.assertConfigured();
        if (config.localWorkers) models.worker.assertConfigured();
      },
      // The spec's parser is loaded with the first job submitted, not with the daemon.
      analyze: async (prompt, spec) => (await import('../actors/analysis/analyze-project.js')).analyzeProject(prompt, spec),
      purgeWork: (jobId) => plumbing.queue.purgeJob(jobId),
      now,
      log,
    });
    // A worker's progress is an event, and also the running attempt's spend so far, which the job's Master counts.
    const publishProgress = (event: TaskProgress) => {
      jobs.noteProgress(event);
      return publish(event);
    };
    if (config.localWorkers) {
      // Started after memory, so a task's tools (its allow-list, in a scratch copy of the snapshot) can reach the job memory.
      const tools = createWorkerTools({ settings: config.mcp, log: log.child({ component: 'worker-tools' }), jobsDir, sandbox, scratchDir: join(home, 'scratch'), ...(memory ? { memory } : {}) });
      const pool = startWorkerPool({ bus, subjects, plumbing, config, model: models.worker, roles: ALL_ROLES, publish: publishProgress, log, now, tools });
      defer(() => pool.stop());
    }
    // Registered after the pool's, so it runs before it: the Masters stop first, and a task cut short by the pool leaves no record change.
    defer(() => jobs.stopAll());
    const progressRelay = startProgressRelay({
      bus,
      subjects,
      publish: publishProgress,
      // From the running Masters, not the records on disk: a job that is not running takes no progress.
      accepts: async (event) => jobs.isLiveTask(event.jobId, event.taskId),
      log: log.child({ component: 'progress-relay' }),
    });
    defer(() => progressRelay.stop());

    const jobEvents = async function* (jobId: JobId, signal: AbortSignal) {
      for await (const msg of bus.replay(subjects.job.all(jobId), signal)) {
        const parsed = JobEvent.safeParse(msg.payload);
        if (parsed.success) yield parsed.data;
        else log.warn('skipped an event that fails the schema', { subject: msg.subject });
      }
    };
    const acceptanceOptions = {
      sandbox,
      workRoot: join(home, 'acceptance'),
      timeouts: acceptAppTimeouts(config.acceptance),
      // One for every `autodev accept`, beside (not in) the per-run folders: shared-deps-cache.ts says why sharing it is safe.
      depsCache: new SharedDependencyCache({ dir: join(home, 'accept-deps-cache'), maxEntries: 12, log: log.child({ component: 'deps-cache' }) }),
    };
    let listenPort = 0;
    const app = createApp({
      token,
      listenPort: () => listenPort,
      maxBodyBytes: config.apiMaxBodyBytes,
      jobs,
      jobsDir,
      corruptJobs: store,
      jobEvents,
      health: () => ({
        ok: supervisor.up,
        pid: process.pid,
        version: VERSION,
        natsUrl,
        nats: supervisor.view(),
        model: models.master.path ?? models.master.name,
        models: models.describe(),
        warmUp: warmUp.view(),
        jobs: { active: jobs.activeCount },
        workers: registry.list(),
      }),
      mcp: (name, jobId, request) => handleMcpHttp(mcp, name, jobId, request),
      web: { sessions: new WebSessions(), assetsDir: webAssetsDir() },
      results: results.service,
      modelFiles: createModelService(home, config),
      mcpCatalog: () => listCatalog(mcp.catalogContext()),
      doctor: createDoctorService(home, config),
      natsCredentials: natsCredentialService({ url: nats ? natsUrl : null, token, subjects }),
      sandboxRuns: createSandboxRunService(home, config.sandbox, log.child({ component: 'sandbox-run' })),
      acceptance: {
        // The judge (the spec's parser, the check derivation) is loaded with the first `autodev accept`.
        accept: async (body, signal) => (await import('../actors/acceptance/acceptance-service.js')).createAcceptanceService(acceptanceOptions).accept(body, signal),
      },
      openai: [models.master, models.worker].map((handle) => ({
        id: handle.role,
        available: () => handle.name !== null,
        get: () => handle.get(),
      })),
    });
    const server = await listen(app.fetch, options.apiPort ?? 0);
    listenPort = server.port;
    defer(() => new Promise<void>((resolve) => server.server.close(() => resolve())));
    const apiUrl = `http://127.0.0.1:${server.port}`;

    const resumed = await jobs.resumeUnfinished();
    if (resumed.length > 0) log.info('resumed unfinished jobs', { jobs: resumed });

    await writeDaemonFile(home, { pid: process.pid, apiUrl, natsUrl, tokenFile });
    defer(() => removeDaemonFile(home, process.pid));
    log.info('autodevd ready', { apiUrl, natsUrl, home, master: models.master.name, worker: models.worker.name });
    // Loaded now that the daemon answers, so neither holds up its start; /health shows their progress.
    if (config.warmUpModels) void warmUpModels([models.master, models.worker], log, warmUp);
    void memory?.open();
    return { apiUrl, natsUrl, tokenFile, jobs, sandbox, failed, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
