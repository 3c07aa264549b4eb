import { fromCallback, type EventObject } from 'xstate';
import { ProtocolError, toWireError, WorkReply, type Subjects, type WorkRequest } from '../../proto/index.js';
import type { RunTaskInput, TaskFailedEvent, TaskSucceededEvent } from '../../machines/master.machine.js';
import type { Bus } from '../bus/bus.js';
import { integrateWork } from './integrate.js';

export interface RunTaskDeps {
  bus: Bus;
  subjects: Subjects;
  /** How long one attempt may take before it counts as failed. */
  timeoutMs: number;
}

export function workRequest(input: RunTaskInput): WorkRequest {
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
    validationRules: task.validationRules,
    previousError: task.lastError ? `${task.lastError.code}: ${task.lastError.message}` : null,
    avoidWorker: task.lastError ? task.assignedWorker : null,
  };
}

/**
 * One attempt of a task: dispatch it to a worker of its role over NATS,
 * integrate the files that come back (validate, commit), and report to the
 * Master. Stopping the actor aborts the wait.
 */
export function createRunTaskLogic(deps: RunTaskDeps) {
  return fromCallback<EventObject, RunTaskInput>(({ input, sendBack }) => {
    const controller = new AbortController();
    const request = workRequest(input);
    const base = { taskId: input.task.id, attempt: input.attempt };
    let worker: string | null = null;
    deps.bus
      .request(deps.subjects.work(input.task.type), request, { timeoutMs: deps.timeoutMs, signal: controller.signal })
      .then(async (raw) => {
        const reply = WorkReply.safeParse(raw);
        if (!reply.success) throw new ProtocolError('bad_request', `malformed worker reply: ${reply.error.message}`);
        worker = reply.data.worker;
        if (reply.data.type === 'work.failed') throw ProtocolError.fromWire(reply.data.error);
        controller.signal.throwIfAborted();
        return integrateWork(input.repo, request, reply.data.result);
      })
      .then(
        (output) => {
          if (controller.signal.aborted) return;
          sendBack({ type: 'TASK_SUCCEEDED', ...base, worker: worker ?? 'unknown', output } satisfies TaskSucceededEvent);
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          sendBack({ type: 'TASK_FAILED', ...base, worker, error: toWireError(error, 'task_failed') } satisfies TaskFailedEvent);
        },
      );
    return () => controller.abort();
  });
}
