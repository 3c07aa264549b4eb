import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool, ToolError } from '../tool.js';
import { PlanStep, ThinkingPlan, type ThinkingStore } from '../thinking-store.js';

export interface SequentialThinkingServerOptions {
  jobId: string;
  store: ThinkingStore;
}

const TaskRef = z.string().min(1).max(100).describe('the task this plan belongs to');
const StepIndex = z.number().int().min(0).max(49);
const Note = z.string().max(4000);

/**
 * A plan as explicit state, so a small model only has to answer "what is the
 * result of this step" and "did it pass", never hold the whole plan in mind.
 */
export function createSequentialThinkingServer(options: SequentialThinkingServerOptions): McpServer {
  const server = new McpServer({ name: 'autodev-sequential-thinking', version: '0.1.0' });
  const { store, jobId } = options;
  const planOf = (taskId: string) => {
    const plan = store.get(jobId, taskId);
    if (!plan) throw new ToolError('not_found', `no plan for task "${taskId}"; make one with plan_steps first`);
    return plan;
  };
  const stepOf = (plan: ThinkingPlan, index: number | undefined): PlanStep => {
    const i = index ?? plan.current;
    if (i === null) throw new ToolError('invalid', `every step of task "${plan.taskId}" is done; nothing is left to run`);
    const step = plan.steps[i];
    if (!step) throw new ToolError('invalid', `the plan of task "${plan.taskId}" has steps 0 to ${plan.steps.length - 1}, not ${i}`);
    return step;
  };
  const save = (plan: ThinkingPlan, index: number, change: Partial<PlanStep>) =>
    store.set(jobId, { ...plan, steps: plan.steps.map((s) => (s.index === index ? { ...s, ...change } : s)) });

  defineTool(
    server,
    'plan_steps',
    {
      description: 'Record (or replace) the ordered steps of a task, each with how to check it.',
      input: z
        .object({
          taskId: TaskRef,
          goal: z.string().min(1).max(4000),
          steps: z.array(z.object({ title: z.string().min(1).max(500), check: z.string().max(1000).default('') }).strict()).min(1).max(50),
          maxAttempts: z.number().int().min(1).max(10).default(3),
        })
        .strict(),
      output: z.object({ plan: ThinkingPlan }),
    },
    async ({ taskId, goal, steps, maxAttempts }) => ({
      plan: store.set(jobId, {
        taskId,
        goal,
        maxAttempts,
        steps: steps.map((s, index) => ({ index, title: s.title, check: s.check, status: 'pending', attempts: 0, notes: [], result: null })),
        current: 0,
        finished: false,
      }),
    }),
  );

  defineTool(
    server,
    'execute_step',
    {
      description: 'Start the current step (or `step`), recording its result or notes; answers the step to work on.',
      input: z.object({ taskId: TaskRef, step: StepIndex.optional(), result: Note.optional() }).strict(),
      output: z.object({ step: PlanStep, plan: ThinkingPlan }),
    },
    async ({ taskId, step, result }) => {
      const plan = planOf(taskId);
      const target = stepOf(plan, step);
      const updated = save(plan, target.index, {
        status: 'in_progress',
        attempts: target.status === 'in_progress' ? target.attempts : target.attempts + 1,
        ...(result !== undefined ? { result } : {}),
      });
      return { step: updated.steps[target.index] as PlanStep, plan: updated };
    },
  );

  defineTool(
    server,
    'validate_step',
    {
      description: "Record whether a step passed its check; a pass moves the plan to the next step.",
      input: z.object({ taskId: TaskRef, step: StepIndex.optional(), passed: z.boolean(), notes: Note.default('') }).strict(),
      output: z.object({ plan: ThinkingPlan, next: z.string().describe('what to do next') }),
    },
    async ({ taskId, step, passed, notes }) => {
      const plan = planOf(taskId);
      const target = stepOf(plan, step);
      const updated = save(plan, target.index, {
        status: passed ? 'done' : 'failed',
        notes: notes ? [...target.notes, notes] : target.notes,
      });
      return { plan: updated, next: nextHint(updated) };
    },
  );

  defineTool(
    server,
    'iterate_until_success',
    {
      description: 'After a failed step, decide whether to try it again (with what was learnt) or give up once maxAttempts is reached.',
      input: z.object({ taskId: TaskRef, step: StepIndex.optional(), lesson: Note.default('') }).strict(),
      output: z.object({ retry: z.boolean(), attempts: z.number().int(), maxAttempts: z.number().int(), plan: ThinkingPlan, next: z.string() }),
    },
    async ({ taskId, step, lesson }) => {
      const plan = planOf(taskId);
      const target = stepOf(plan, step);
      if (target.status === 'done') return { retry: false, attempts: target.attempts, maxAttempts: plan.maxAttempts, plan, next: nextHint(plan) };
      const retry = target.attempts < plan.maxAttempts;
      const updated = save(plan, target.index, {
        status: retry ? 'pending' : 'failed',
        notes: lesson ? [...target.notes, lesson] : target.notes,
      });
      const next = retry
        ? `retry step ${target.index} ("${target.title}") with execute_step, attempt ${target.attempts + 1} of ${plan.maxAttempts}`
        : `step ${target.index} failed ${target.attempts} times; stop and report the failure`;
      return { retry, attempts: target.attempts, maxAttempts: plan.maxAttempts, plan: updated, next };
    },
  );
  return server;
}

function nextHint(plan: ThinkingPlan): string {
  if (plan.finished) return 'every step is done';
  const step = plan.steps[plan.current ?? 0] as PlanStep;
  if (step.status === 'failed') return `step ${step.index} failed; call iterate_until_success`;
  return `run step ${step.index} ("${step.title}") with execute_step`;
}
