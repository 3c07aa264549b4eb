/**
 * Scheduler benchmark: synthetic DAGs through the real Master actor, the real
 * JetStream work queue and real worker actors, with work simulated by sleeps
 * of known length. Run by hand: `node dist/scripts/bench/scheduler.js`.
 * The last line is JSON.
 *
 * The job store is the daemon's own FileJobStore (atomic write and fsync),
 * whose saves coalesce while one is in flight. Estimates equal the simulated
 * durations, and the Master keeps two tasks queued ahead of the workers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { fromPromise } from 'xstate';
import {
  JOB_RECORD_VERSION,
  createSubjects,
  eventStreamName,
  subjectForEvent,
  workStreamName,
  type JobEvent,
  type JobRecord,
  type Task,
} from '../../proto/index.js';
import { masterMachine } from '../../machines/master.machine.js';
import { NatsBus, ensureEventStream } from '../../actors/bus/nats-bus.js';
import { NatsWorkQueue } from '../../actors/bus/nats-work-queue.js';
import { silentLogger } from '../../actors/log/logger.js';
import { runJob } from '../../actors/master/job-runner.js';
import { FileJobStore } from '../../daemon/file-job-store.js';
import { createRunTaskLogic } from '../../actors/master/run-task.js';
import { WorkerPool } from '../../actors/worker/worker-pool.js';
import { startEmbeddedNats } from '../../actors/engines/nats-server.js';
import { makespanLowerBound, percentile, randomDag, type BenchTask } from './dag.js';
import { runWithLangGraph } from './langgraph-run.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function toTask(t: BenchTask): Task {
  return {
    id: t.id, type: 'backend', description: t.id, dependencies: t.deps, priority: 5, estimatedTime: t.durationMs, attempts: 0,
    maxRetries: 0, status: 'pending', assignedWorker: null, prompt: t.id, tools: [], context: [], output: null,
    validationRules: [{ kind: 'file_exists', path: 'README.md' }], lastError: null, failureSignatures: [], fixOf: null, tokensUsed: 0,
    budget: { maxTokens: 1000, timeoutMs: 600_000 },
  };
}

async function runOurs(nc: Awaited<ReturnType<typeof connect>>, dag: BenchTask[], workers: number, run: number, jobsDir: string) {
  const prefix = `bench${run}`;
  const subjects = createSubjects(prefix);
  await ensureEventStream(nc, { name: eventStreamName(prefix), subjects: [subjects.allJobEvents], maxAgeMs: 600_000 });
  const bus = new NatsBus({ connection: nc, stream: eventStreamName(prefix) });
  const queue = await NatsWorkQueue.open({
    connection: nc, subjects, stream: workStreamName(prefix), roles: ['backend'], ackWaitMs: 30_000, maxDeliveries: 3,
  });
  const byId = new Map(dag.map((t) => [t.id, t]));
  const started = new Map<string, number>();
  const finished = new Map<string, number>();
  const workerIdleSince = new Map<string, number>();
  const eligible = new Map<string, number>();
  let jobStart = 0;
  const pool = new WorkerPool({
    bus, subjects, queue, roles: ['backend'], workersPerRole: workers, log: silentLogger, name: 'bench', heartbeatMs: 60_000,
    perform: async (workerId, request) => {
      const now = performance.now();
      const task = byId.get(request.taskId);
      if (!task) throw new Error(`unknown task ${request.taskId}`);
      const depsDone = Math.max(jobStart, ...task.deps.map((d) => finished.get(d) ?? jobStart));
      eligible.set(task.id, Math.max(depsDone, workerIdleSince.get(workerId) ?? jobStart));
      started.set(task.id, now);
      await sleep(task.durationMs);
      const end = performance.now();
      finished.set(task.id, end);
      workerIdleSince.set(workerId, end);
      return { summary: 'ok', files: [{ path: 'x', content: 'x' }], tokens: 0 };
    },
  });
  pool.start();
  const machine = masterMachine.provide({
    actors: {
      planJob: fromPromise(async () => dag.map(toTask)),
      runTask: createRunTaskLogic({
        bus, subjects, queue, snapshots: null, maxTimeoutMs: 600_000,
        integrate: async ({ result }) => ({
          commit: '0'.repeat(40), files: result.files.map((f) => f.path), summary: result.summary, tokens: 0,
          validation: { passed: true, issues: [] }, conflicts: [],
        }),
      }),
      // The scheduler is measured, not acceptance: every round passes at once.
      acceptJob: fromPromise(async ({ input }) => ({
        summary: { round: input.round, passed: 1, failed: 0, unverified: 0, total: 1, projectTests: null, failures: [], commit: '0'.repeat(40), durationMs: 0 },
        fixes: [],
      })),
    },
  });
  const store = new FileJobStore({ jobsDir, log: silentLogger });
  const at = new Date().toISOString();
  const job: JobRecord = {
    schemaVersion: JOB_RECORD_VERSION, id: `job${run}`, prompt: 'bench', spec: null, blueprint: null, status: 'planning',
    repo: '/nonexistent', createdAt: at, updatedAt: at, tasks: [], error: null, acceptance: null,
  };
  jobStart = performance.now();
  const running = runJob(
    {
      // Two more in flight than workers: a worker that finishes finds its next task already queued.
      machine, store, maxParallel: workers + 2, now: () => new Date(), log: silentLogger,
      publish: (event: JobEvent) => bus.publishDurable(subjectForEvent(subjects, event), event),
    },
    job,
  );
  const final = await running.done;
  const makespan = Math.max(...finished.values()) - jobStart;
  pool.stop();
  if (final.status !== 'completed') throw new Error(`bench job ended ${final.status}: ${final.error?.message}`);
  const dispatch = dag.map((t) => (started.get(t.id) ?? 0) - (eligible.get(t.id) ?? 0));
  return { makespan, dispatch };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'autodev-bench-'));
  const nats = await startEmbeddedNats({ dir, user: 'bench', password: 'bench-password-0123456789' });
  const nc = await connect({ servers: nats.url, user: nats.user, pass: nats.password });
  const runs: Array<Record<string, number>> = [];
  const allDispatch: number[] = [];
  let run = 0;
  try {
    for (const size of [200, 1000]) {
      for (const workers of [4, 16]) {
        const dag = randomDag(size, 42 + size);
        const bound = makespanLowerBound(dag, workers);
        const ours = await runOurs(nc, dag, workers, run++, join(dir, 'jobs'));
        const langgraph = await runWithLangGraph(dag, workers);
        allDispatch.push(...ours.dispatch);
        const row = {
          tasks: size,
          workers,
          lower_bound_ms: Math.round(bound),
          makespan_ms: Math.round(ours.makespan),
          langgraph_ms: Math.round(langgraph),
          makespan_ratio: +(ours.makespan / bound).toFixed(3),
          langgraph_ratio: +(ours.makespan / langgraph).toFixed(3),
          dispatch_p50_ms: +percentile(ours.dispatch, 50).toFixed(2),
          dispatch_p99_ms: +percentile(ours.dispatch, 99).toFixed(2),
        };
        runs.push(row);
        console.log(JSON.stringify(row));
      }
    }
  } finally {
    await nc.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    JSON.stringify({
      makespan_ratio: Math.max(...runs.map((r) => r.makespan_ratio ?? 0)),
      dispatch_p50_ms: +percentile(allDispatch, 50).toFixed(2),
      dispatch_p99_ms: +percentile(allDispatch, 99).toFixed(2),
      langgraph_ratio: Math.max(...runs.map((r) => r.langgraph_ratio ?? 0)),
      runs,
    }),
  );
}

await main();
