import { hostname } from 'node:os';
import type { NatsConnection } from 'nats';
import { snapshotBucketName, workStreamName, type Role, type Subjects, type TaskProgress } from '../proto/index.js';
import type { Bus } from '../actors/bus/bus.js';
import { NatsWorkQueue } from '../actors/bus/nats-work-queue.js';
import { SnapshotReader } from '../actors/bus/snapshot-reader.js';
import { SnapshotStore } from '../actors/bus/snapshot-store.js';
import type { WorkQueue } from '../actors/bus/work-queue.js';
import type { Logger } from '../actors/log/logger.js';
import { ALL_ROLES } from '../actors/master/roles.js';
import { generateFiles, type GenerateFilesDeps } from '../actors/worker/generate-files.js';
import { WorkerPool } from '../actors/worker/worker-pool.js';
import type { DaemonConfig } from './config.js';
import type { ModelHandle } from './model-loader.js';

export interface WorkPlumbing {
  queue: NatsWorkQueue;
  snapshots: SnapshotStore;
}

/** What worker actors use: the queue to pull from and snapshots to read. */
export interface WorkerPlumbing {
  queue: WorkQueue;
  snapshots: Pick<SnapshotStore, 'get'>;
}

/** The work-queue stream and snapshot bucket; the daemon and worker processes both open them. */
export async function openWorkPlumbing(connection: NatsConnection, subjects: Subjects, config: DaemonConfig): Promise<WorkPlumbing> {
  const queue = await NatsWorkQueue.open({
    connection,
    subjects,
    stream: workStreamName(config.subjectPrefix),
    roles: ALL_ROLES,
    ackWaitMs: config.workAckWaitMs,
    maxDeliveries: 10,
  });
  const snapshots = await SnapshotStore.open(connection, snapshotBucketName(config.subjectPrefix));
  return { queue, snapshots };
}

/**
 * The worker process's side: it attaches to what the daemon created and reads
 * snapshots with direct gets, because its NATS user may do nothing more.
 */
export async function attachWorkPlumbing(connection: NatsConnection, subjects: Subjects, config: DaemonConfig, roles: readonly Role[]): Promise<WorkerPlumbing> {
  const queue = await NatsWorkQueue.attach({ connection, subjects, stream: workStreamName(config.subjectPrefix), roles });
  const snapshots = new SnapshotReader(connection, snapshotBucketName(config.subjectPrefix));
  return { queue, snapshots };
}

export interface WorkerRuntimeOptions {
  bus: Bus;
  subjects: Subjects;
  plumbing: WorkerPlumbing;
  config: DaemonConfig;
  model: ModelHandle;
  roles: readonly Role[];
  /** Where a worker's progress goes: the event stream in the daemon, the progress subject in a worker process. */
  publish: (event: TaskProgress) => Promise<void>;
  log: Logger;
  now: () => Date;
  /** The task's MCP tools, offered to the model before it writes files (daemon/mcp/worker-tools.ts). */
  tools?: GenerateFilesDeps['tools'];
}

/** Worker actors wired to the model, the work queue and the snapshot store. */
export function startWorkerPool(options: WorkerRuntimeOptions): WorkerPool {
  const { config, log, now } = options;
  const pool = new WorkerPool({
    bus: options.bus,
    subjects: options.subjects,
    queue: options.plumbing.queue,
    roles: options.roles,
    workersPerRole: config.workersPerRole,
    name: `${hostname()}-${process.pid}`,
    heartbeatMs: config.heartbeatMs,
    minFreeMemoryBytes: config.workerMinFreeMemoryMb * 2 ** 20,
    log,
    now,
    perform: async (workerId, request, signal) => {
      const snapshot = request.snapshot ? await options.plumbing.snapshots.get(request.snapshot.name) : null;
      if (request.snapshot && !snapshot) log.warn('repository snapshot missing; working without it', { snapshot: request.snapshot.name });
      return generateFiles(
        {
          model: await options.model.get(),
          limits: config.output,
          maxTokens: config.taskMaxTokens,
          contextChars: config.contextChars,
          ...(options.tools && config.mcp.workerToolTokens > 0 ? { tools: options.tools, toolTokens: config.mcp.workerToolTokens } : {}),
          progress: (req, phase, tokens) => {
            const event: TaskProgress = {
              type: 'task.progress',
              jobId: req.jobId,
              taskId: req.taskId,
              at: now().toISOString(),
              worker: workerId,
              phase,
              tokens,
              attempt: req.attempt,
            };
            options.publish(event).catch((error: unknown) => log.warn('progress event lost', { error: String(error) }));
          },
        },
        request,
        snapshot,
        signal,
      );
    },
  });
  pool.start();
  return pool;
}

export { ALL_ROLES };
