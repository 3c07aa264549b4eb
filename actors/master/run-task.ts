import { fromCallback, type EventObject } from 'xstate';
import { ProtocolError, toWireError, WorkReply, type Subjects, type WorkRequest } from '../../proto/index.js';
import type { RunTaskInput, TaskFailedEvent, TaskSucceededEvent } from '../../machines/master.machine.js';
import type { Bus } from '../bus/bus.js';

export interface RunTaskDeps {
  bus: Bus;
  subjects: Subjects;
  /** How long one attempt may take before it counts as failed. */
  timeoutMs: number;
}

function workRequest(input: RunTaskInput): WorkRequest {
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
  };
}

/**
 * Dispatches one attempt of a task to a worker of its role over NATS and
 * reports back to the Master. Stopping the actor aborts the wait.
 */
export function createRunTaskLogic(deps: RunTaskDeps) {
  return fromCallback<EventObject, RunTaskInput>(({ input, sendBack }) => {
    const controller = new AbortController();
    const base = { taskId: input.task.id, attempt: input.attempt };
    deps.bus
      .request(deps.subjects.work(input.task.type), workRequest(input), {
        timeoutMs: deps.timeoutMs,
        signal: controller.signal,
      })
      .then((raw) => {
        const reply = WorkReply.safeParse(raw);
        if (!reply.success) throw new ProtocolError('bad_request', `malformed worker reply: ${reply.error.message}`);
        return reply.data;
      })
      .then(
        (reply) => {
          if (controller.signal.aborted) return;
          if (reply.type === 'work.succeeded') {
            sendBack({ type: 'TASK_SUCCEEDED', ...base, worker: reply.worker, output: reply.output } satisfies TaskSucceededEvent);
          } else {
            sendBack({ type: 'TASK_FAILED', ...base, worker: reply.worker, error: reply.error } satisfies TaskFailedEvent);
          }
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          sendBack({ type: 'TASK_FAILED', ...base, worker: null, error: toWireError(error, 'task_failed') } satisfies TaskFailedEvent);
        },
      );
    return () => controller.abort();
  });
}
