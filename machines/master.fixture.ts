import { createActor, fromCallback, fromPromise, SimulatedClock, type EventObject } from 'xstate';
import { JOB_RECORD_VERSION, type AcceptanceSummary, type ErrorCode, type JobRecord, type Task, type TaskOutput, type ValidationReport } from '../proto/index.js';
import { masterMachine, type AcceptJobInput, type AcceptJobOutput, type JobBudgets, type MasterEvent, type MasterNotice, type RunTaskInput } from './master.machine.js';
import { makeTask } from './task.fixture.js';

/** The Master machine's test harness: a given plan, a simulated clock, and attempts the test ends by hand. */
export const task = makeTask;

export function job(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    schemaVersion: JOB_RECORD_VERSION,
    id: 'j1',
    prompt: 'build it',
    spec: null,
    blueprint: null,
    status: 'planning',
    repo: '/tmp/repo',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    tasks: [],
    error: null, acceptance: null,
    ...overrides,
  };
}

export const output = (n: number, issues: string[] = [], conflicts: string[] = []): TaskOutput => ({
  commit: String(n).repeat(40).slice(0, 40),
  files: ['a.ts'],
  summary: 's',
  tokens: 3,
  validation: { passed: issues.length === 0, issues },
  conflicts,
});

/** A round's summary: every check passed unless told otherwise. */
export function summary(round: number, overrides: Partial<AcceptanceSummary> = {}): AcceptanceSummary {
  return { round, passed: 10, failed: 0, unverified: 0, total: 10, projectTests: null, failures: [], commit: 'c'.repeat(40), durationMs: 5, ...overrides };
}

export const accepted = (round: number): AcceptJobOutput => ({ summary: summary(round), fixes: [] });

/**
 * A harness: the plan is given, and the test decides when each dispatched
 * attempt ends. Acceptance rounds answer from `accept` in order (a promise
 * that never settles when `accept` has none left, so the test can cancel);
 * with no `accept` at all every round passes.
 */
export function harness(options: {
  plan?: Task[] | Error;
  start?: JobRecord;
  maxParallel?: number;
  budgets?: JobBudgets;
  accept?: Array<AcceptJobOutput | Error>;
  maxAcceptanceRounds?: number;
}) {
  const clock = new SimulatedClock();
  const running = new Map<string, { input: RunTaskInput; sendBack: (e: MasterEvent) => void }>();
  const dispatchOrder: string[] = [];
  const stopped: string[] = [];
  const acceptInputs: AcceptJobInput[] = [];
  const acceptAborted: number[] = [];
  const machine = masterMachine.provide({
    actors: {
      planJob: fromPromise(async () => {
        if (options.plan instanceof Error) throw options.plan;
        return options.plan ?? [];
      }),
      runTask: fromCallback<EventObject, RunTaskInput>(({ input, sendBack }) => {
        const key = `${input.task.id}#${input.attempt}`;
        running.set(input.task.id, { input, sendBack });
        dispatchOrder.push(key);
        return () => stopped.push(key);
      }),
      acceptJob: fromPromise<AcceptJobOutput, AcceptJobInput>(async ({ input, signal }) => {
        acceptInputs.push(input);
        if (!options.accept) return accepted(input.round);
        const next = options.accept.shift();
        if (next instanceof Error) throw next;
        if (next) return next;
        return new Promise<AcceptJobOutput>((_, reject) => signal.addEventListener('abort', () => {
          acceptAborted.push(input.round);
          reject(new Error('aborted'));
        }));
      }),
    },
  });
  const actor = createActor(machine, {
    input: {
      job: options.start ?? job(),
      maxParallel: options.maxParallel ?? 2,
      ...(options.budgets ? { budgets: options.budgets } : {}),
      ...(options.maxAcceptanceRounds ? { maxAcceptanceRounds: options.maxAcceptanceRounds } : {}),
    },
    clock,
  });
  const notices: MasterNotice[] = [];
  actor.on('*', (n) => notices.push(n));
  const succeed = (id: string, issues: string[] = [], conflicts: string[] = [], validation?: ValidationReport) => {
    const entry = running.get(id);
    if (!entry) throw new Error(`${id} is not running`);
    running.delete(id);
    const out = output(entry.input.attempt, issues, conflicts);
    entry.sendBack({ type: 'TASK_SUCCEEDED', taskId: id, attempt: entry.input.attempt, worker: 'w1', output: validation ? { ...out, validation } : out });
  };
  const fail = (id: string, message = 'boom', data?: Record<string, unknown>, code: ErrorCode = 'task_failed', tokens = 0) => {
    const entry = running.get(id);
    if (!entry) throw new Error(`${id} is not running`);
    running.delete(id);
    const error = { code, message, ...(data ? { data } : {}), ...(tokens ? { tokens } : {}) };
    entry.sendBack({ type: 'TASK_FAILED', taskId: id, attempt: entry.input.attempt, worker: 'w1', error });
  };
  const settle = () => new Promise((r) => setTimeout(r, 0));
  const statuses = () => Object.fromEntries(actor.getSnapshot().context.job.tasks.map((t) => [t.id, t.status]));
  return { actor, clock, running, dispatchOrder, stopped, notices, succeed, fail, settle, statuses, acceptInputs, acceptAborted };
}

