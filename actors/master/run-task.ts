import { fromCallback, type EventObject } from 'xstate';
import { describeRule, ProtocolError, snapshotName, toWireError, WorkReply, type Subjects, type WorkRequest } from '../../proto/index.js';
import type { RunTaskInput, TaskFailedEvent, TaskSucceededEvent } from '../../machines/master.machine.js';
import type { Bus, BusSubscription } from '../bus/bus.js';
import type { WorkQueue } from '../bus/work-queue.js';
import { SnapshotStore } from '../bus/snapshot-store.js';
import { headCommit } from '../git/repo.js';
import { snapshotHead } from '../git/snapshot.js';
import { createIntegrationEngine, type Integrate } from '../integration/engine.js';
import type { TaskMemory } from '../memory/task-memory.js';

export interface RunTaskDeps {
  bus: Bus;
  subjects: Subjects;
  queue: WorkQueue;
  /** Null sends no repository snapshot (workers that need no context, such as benchmarks). */
  snapshots: SnapshotStore | null;
  /** The longest any attempt may take, whatever its task's budget says. */
  maxTimeoutMs: number;
  /** The IntegrationEngine: validates and commits a worker's result; the default runs the syntax check only. */
  integrate?: Integrate;
  /** Retrieves context for each attempt and learns from its outcome; null runs without memory. */
  memory?: TaskMemory | null;
}

export function workRequest(input: RunTaskInput, snapshot: WorkRequest['snapshot']): WorkRequest {
  const { task } = input;
  return {
    type: 'work.request',
    jobId: input.jobId,
    taskId: task.id,
    attempt: input.attempt,
    role: task.type,
    repo: input.repo,
    jobPrompt: input.jobPrompt,
    description: task.description,
    prompt: task.prompt,
    validationRules: task.validationRules.map(describeRule),
    rules: task.validationRules,
    tools: task.tools,
    ...(task.fixOf !== null ? { allowEdits: true } : {}),
    maxTokens: task.budget.maxTokens,
    previousError: task.lastError ? `${task.lastError.code}: ${task.lastError.message}` : null,
    avoidWorker: task.lastError ? task.assignedWorker : null,
    snapshot,
  };
}

function firstReply(sub: BusSubscription, timeoutMs: number, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new ProtocolError('task_timeout', `no worker finished the task within ${timeoutMs} ms`));
    }, timeoutMs);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      sub.unsubscribe();
      reject(new ProtocolError('cancelled', 'attempt stopped'));
    }, { once: true });
    void (async () => {
      for await (const msg of sub) {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(msg.payload);
        return;
      }
    })();
  });
}

/** Dispatch: snapshot the repository for the worker, queue the request, wait for its reply. */
async function dispatch(deps: RunTaskDeps, input: RunTaskInput, signal: AbortSignal): Promise<{ request: WorkRequest; reply: WorkReply }> {
  // Tasks dispatched between two commits share a snapshot: the repository is read once per commit.
  const commit = deps.snapshots ? await headCommit(input.repo) : null;
  const ref = commit ? { name: snapshotName(input.jobId, commit), commit } : null;
  if (ref) {
    await deps.snapshots?.ensure(ref.name, async () => {
      const snapshot = await snapshotHead(input.repo, ref.commit);
      if (!snapshot) throw new ProtocolError('internal', `repository ${input.repo} lost commit ${ref.commit}`);
      return snapshot;
    });
  }
  const request = workRequest(input, ref);
  request.memory = (await deps.memory?.contextFor(request)) ?? null;
  signal.throwIfAborted();
  // Subscribing before queueing on the same connection: the server sees the interest before any worker can reply.
  const replies = deps.bus.subscribe(deps.subjects.workReply(input.jobId, input.task.id, input.attempt));
  const reply = firstReply(replies, Math.min(input.task.budget.timeoutMs, deps.maxTimeoutMs), signal);
  await deps.queue.submit(request);
  const parsed = WorkReply.safeParse(await reply);
  if (!parsed.success) throw new ProtocolError('bad_request', `malformed worker reply: ${parsed.error.message}`);
  return { request, reply: parsed.data };
}

/**
 * One attempt of a task: dispatch it through the work queue to a worker of
 * its role (in this process or another), integrate the files that come back
 * (validate, commit), and report to the Master. Stopping the actor aborts it.
 */
export function createRunTaskLogic(deps: RunTaskDeps) {
  const integrate = deps.integrate ?? createIntegrationEngine();
  return fromCallback<EventObject, RunTaskInput>(({ input, sendBack }) => {
    const controller = new AbortController();
    const base = { taskId: input.task.id, attempt: input.attempt };
    let worker: string | null = null;
    let sent: WorkRequest | null = null;
    dispatch(deps, input, controller.signal)
      .then(async ({ request, reply }) => {
        sent = request;
        worker = reply.worker;
        if (reply.type === 'work.failed') throw ProtocolError.fromWire(reply.error);
        controller.signal.throwIfAborted();
        const output = await integrate({ repo: input.repo, request, result: reply.result, blueprint: input.blueprint });
        await deps.memory?.afterCommit(request, output);
        return { ...output, contextChunks: reply.result.contextChunks ?? request.memory?.chunks.map((c) => c.id) ?? [] };
      })
      .then(
        (output) => {
          if (controller.signal.aborted) return;
          sendBack({ type: 'TASK_SUCCEEDED', ...base, worker: worker ?? 'unknown', output } satisfies TaskSucceededEvent);
        },
        async (error: unknown) => {
          if (controller.signal.aborted) return;
          const wire = toWireError(error, 'task_failed');
          if (sent) await deps.memory?.afterFailure(sent, wire);
          if (controller.signal.aborted) return;
          sendBack({ type: 'TASK_FAILED', ...base, worker, error: wire } satisfies TaskFailedEvent);
        },
      );
    return () => controller.abort();
  });
}
