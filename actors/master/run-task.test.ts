import { afterEach, describe, expect, it } from 'vitest';
import { createActor, setup } from 'xstate';
import { createSubjects, type Role, type TaskOutput, type WorkRequest, type WorkResult } from '../../proto/index.js';
import type { RunTaskInput, TaskFailedEvent, TaskSucceededEvent } from '../../machines/master.machine.js';
import { makeTask } from '../../machines/task.fixture.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { MemoryWorkQueue } from '../bus/memory-work-queue.js';
import type { WorkQueue } from '../bus/work-queue.js';
import type { IntegrationInput } from '../integration/engine.js';
import type { GenerationRequest, LanguageModel } from '../llm/language-model.js';
import { silentLogger } from '../log/logger.js';
import { generateFiles } from '../worker/generate-files.js';
import { WorkerPool } from '../worker/worker-pool.js';
import { createRunTaskLogic } from './run-task.js';

/**
 * The dispatch and worker path in one process: the real run-task actor, work
 * queue protocol, worker pool, worker machine and file-section parsing, over
 * the in-memory bus and queue. Only the model is scripted.
 */
const subjects = createSubjects('dispatch');
const ACK_WAIT_MS = 1000;
const LIMITS = { maxFiles: 5, maxLinesPerFile: 50, maxLineChars: 200, maxSummaryChars: 100 };

/** What a model decoding under the file-section grammar answers for a request. */
function answerFor(prompt: string): string {
  const taskId = /do (t\d+)/.exec(prompt)?.[1] ?? 'unknown';
  return [`@@@ SUMMARY wrote ${taskId}`, `@@@ FILE src/${taskId}.ts`, `export const task = '${taskId}';`, '@@@ END', ''].join('\n');
}

/** A scripted model; `hold` keeps every answer back until it resolves, as a model still generating would. */
function scriptedModel(calls: string[], hold: Promise<void> = Promise.resolve()): LanguageModel {
  return {
    name: 'scripted',
    async generateJson() {
      throw new Error('the worker path asks for text, not JSON');
    },
    async generateText(request: GenerationRequest & { grammar: string }) {
      calls.push(request.prompt);
      await hold;
      const value = answerFor(request.prompt);
      return { value, tokens: value.length };
    },
    async close() {},
  };
}

function performWith(model: LanguageModel) {
  return (_workerId: string, request: WorkRequest, signal: AbortSignal): Promise<WorkResult> =>
    generateFiles({ model, limits: LIMITS, maxTokens: 1000, contextChars: 10_000, progress: () => {} }, request, null, signal);
}

/** Stands in for the IntegrationEngine: records what reached it and answers a TaskOutput. */
function recordingIntegrate(seen: IntegrationInput[]) {
  return async (input: IntegrationInput): Promise<TaskOutput> => {
    seen.push(input);
    return {
      commit: 'c'.repeat(40),
      files: input.result.files.map((f) => f.path),
      summary: input.result.summary,
      tokens: input.result.tokens,
      validation: { passed: true, issues: [] },
      conflicts: [],
    };
  };
}

type Outcome = TaskSucceededEvent | TaskFailedEvent;

/** Runs one attempt under a parent machine, as the Master invokes it, and resolves with what it sends back. */
function runAttempt(logic: ReturnType<typeof createRunTaskLogic>, input: RunTaskInput): { outcome: Promise<Outcome>; stop: () => void } {
  let settle: (outcome: Outcome) => void = () => {};
  const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
  const parent = setup({ actors: { run: logic } }).createMachine({
    invoke: { src: 'run', input },
    on: {
      TASK_SUCCEEDED: { actions: ({ event }) => settle(event as TaskSucceededEvent) },
      TASK_FAILED: { actions: ({ event }) => settle(event as TaskFailedEvent) },
    },
  });
  const actor = createActor(parent).start();
  return { outcome, stop: () => actor.stop() };
}

const attempt = (taskId: string, role: Role = 'backend'): RunTaskInput => ({
  jobId: 'j1', jobPrompt: 'build it', repo: '/repo', blueprint: null, attempt: 1, task: makeTask(taskId, { type: role }),
});

describe('dispatch and worker path over the in-memory bus and queue', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const step of cleanup.splice(0).reverse()) step();
  });

  function plumbing() {
    const bus = new MemoryBus({ streamSubjects: [subjects.allJobEvents] });
    const queue = new MemoryWorkQueue({ subjects, roles: ['backend', 'frontend'], ackWaitMs: ACK_WAIT_MS, maxDeliveries: 5 });
    cleanup.push(() => queue.close());
    return { bus, queue };
  }

  function startPool(bus: MemoryBus, queue: WorkQueue, name: string, model: LanguageModel, roles: Role[] = ['backend']): WorkerPool {
    const pool = new WorkerPool({ bus, subjects, queue, roles, workersPerRole: 1, perform: performWith(model), log: silentLogger, name, heartbeatMs: 200 });
    pool.start();
    cleanup.push(() => pool.stop());
    return pool;
  }

  it('dispatches a task to a worker of its role and integrates its reply', async () => {
    const { bus, queue } = plumbing();
    const backendCalls: string[] = [];
    const frontendCalls: string[] = [];
    startPool(bus, queue, 'alpha', scriptedModel(backendCalls));
    startPool(bus, queue, 'beta', scriptedModel(frontendCalls), ['frontend']);
    const integrated: IntegrationInput[] = [];
    const logic = createRunTaskLogic({ bus, subjects, queue, snapshots: null, maxTimeoutMs: 10_000, integrate: recordingIntegrate(integrated) });

    const run = runAttempt(logic, attempt('t1'));
    cleanup.push(run.stop);
    const outcome = await run.outcome;

    expect(outcome).toMatchObject({
      type: 'TASK_SUCCEEDED',
      taskId: 't1',
      attempt: 1,
      worker: 'alpha-backend-1',
      output: { files: ['src/t1.ts'], summary: 'wrote t1', contextChunks: [] },
    });
    expect(backendCalls).toHaveLength(1);
    expect(backendCalls[0]).toContain('do t1');
    expect(frontendCalls).toHaveLength(0);
    // The engine got the files the worker parsed out of the model's answer, for the request the Master sent.
    expect(integrated).toHaveLength(1);
    expect(integrated[0]?.request).toMatchObject({ jobId: 'j1', taskId: 't1', attempt: 1, role: 'backend', snapshot: null });
    expect(integrated[0]?.result.files).toEqual([{ path: 'src/t1.ts', content: "export const task = 't1';\n" }]);
    expect(queue.pending).toBe(0);
  });

  it('fails the attempt with the worker\'s error when the model answers outside the file-section format', async () => {
    const { bus, queue } = plumbing();
    const garbage: LanguageModel = {
      ...scriptedModel([]),
      async generateText() {
        return { value: 'no sections here', tokens: 42 };
      },
    };
    startPool(bus, queue, 'alpha', garbage);
    const integrated: IntegrationInput[] = [];
    const logic = createRunTaskLogic({ bus, subjects, queue, snapshots: null, maxTimeoutMs: 10_000, integrate: recordingIntegrate(integrated) });
    const run = runAttempt(logic, attempt('t1'));
    cleanup.push(run.stop);
    const outcome = await run.outcome;
    expect(outcome).toMatchObject({ type: 'TASK_FAILED', worker: 'alpha-backend-1', error: { code: 'model_output_invalid' } });
    expect(integrated).toHaveLength(0);
    expect(queue.pending).toBe(0);
  });

  it('redelivers the request of a worker that dies mid-task to another worker, and integrates once', async () => {
    const { bus, queue } = plumbing();
    const dyingCalls: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const dyingConnection = queue.connect();
    startPool(bus, dyingConnection, 'alpha', scriptedModel(dyingCalls, held));
    const integrated: IntegrationInput[] = [];
    const logic = createRunTaskLogic({ bus, subjects, queue, snapshots: null, maxTimeoutMs: 10_000, integrate: recordingIntegrate(integrated) });
    const run = runAttempt(logic, attempt('t1'));
    cleanup.push(run.stop);

    await waitFor(() => dyingCalls.length === 1, 'the first worker to start generating');
    // Its process dies: its keep-alives stop reaching the queue, so the ack wait runs out.
    dyingConnection.kill();
    const died = Date.now();
    const survivorCalls: string[] = [];
    startPool(bus, queue.connect(), 'beta', scriptedModel(survivorCalls));

    const outcome = await run.outcome;
    expect(outcome).toMatchObject({ type: 'TASK_SUCCEEDED', worker: 'beta-backend-1', output: { files: ['src/t1.ts'] } });
    // Not before the ack wait: a live worker's keep-alives would have held the request.
    expect(Date.now() - died).toBeGreaterThanOrEqual(ACK_WAIT_MS / 2);
    expect(survivorCalls).toHaveLength(1);
    expect(integrated).toHaveLength(1);
    expect(queue.pending).toBe(0);

    // The dead worker's late answer changes nothing: the attempt was settled by the first reply.
    release();
    await new Promise((r) => setTimeout(r, 50));
    expect(integrated).toHaveLength(1);
  });
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
