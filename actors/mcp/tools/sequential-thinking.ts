import { z } from 'zod';
import { ToolError, toolFor, type ToolDefinition } from '../tool.js';
import { PlanStep, ThinkingPlan, type ThinkingStore } from '../thinking-store.js';

export interface ThinkingToolDeps {
  jobId: string;
  store: ThinkingStore;
}

const tool = toolFor<ThinkingToolDeps>();
const TaskRef = z.string().min(1).max(100).describe('the task this plan belongs to');
const StepIndex = z.number().int().min(0).max(49);
const Note = z.string().max(4000);

function planOf(deps: ThinkingToolDeps, taskId: string): ThinkingPlan {
  const plan = deps.store.get(deps.jobId, taskId);
  if (!plan) throw new ToolError('not_found', `no plan for task "${taskId}"; make one with plan_steps first`);
  return plan;
}

function stepOf(plan: ThinkingPlan, index: number | undefined): PlanStep {
  const i = index ?? plan.current;
  if (i === null) throw new ToolError('invalid', `every step of task "${plan.taskId}" is done; nothing is left to run`);
  const step = plan.steps[i];
  if (!step) throw new ToolError('invalid', `the plan of task "${plan.taskId}" has steps 0 to ${plan.steps.length - 1}, not ${i}`);
  return step;
}

function save(deps: ThinkingToolDeps, plan: ThinkingPlan, index: number, change: Partial<PlanStep>): ThinkingPlan {
  return deps.store.set(deps.jobId, { ...plan, steps: plan.steps.map((s) => (s.index === index ? { ...s, ...change } : s)) });
}

export const planSteps = tool({
  name: 'plan_steps',
  description: 'Record (or replace) the ordered steps of a task, each with how to check it.',
  inputSchema: z
    .object({
      taskId: TaskRef,
      goal: z.string().min(1).max(4000),
      steps: z.array(z.object({ title: z.string().min(1).max(500), check: z.string().max(1000).default('') }).strict()).min(1).max(50),
      maxAttempts: z.number().int().min(1).max(10).default(3),
    })
    .strict(),
  outputSchema: z.object({ plan: ThinkingPlan }),
  async handler({ taskId, goal, steps, maxAttempts }, deps) {
    return {
      plan: deps.store.set(deps.jobId, {
        taskId,
        goal,
        maxAttempts,
        steps: steps.map((s, index) => ({ index, title: s.title, check: s.check, status: 'pending', attempts: 0, notes: [], result: null })),
        current: 0,
        finished: false,
      }),
    };
  },
});

export const executeStep = tool({
  name: 'execute_step',
  description: 'Start the current step (or `step`), recording its result or notes; answers the step to work on.',
  inputSchema: z.object({ taskId: TaskRef, step: StepIndex.optional(), result: Note.optional() }).strict(),
  outputSchema: z.object({ step: PlanStep, plan: ThinkingPlan }),
  async handler({ taskId, step, result }, deps) {
    const plan = planOf(deps, taskId);
    const target = stepOf(plan, step);
    const updated = save(deps, plan, target.index, {
      status: 'in_progress',
      attempts: target.status === 'in_progress' ? target.attempts : target.attempts + 1,
      ...(result !== undefined ? { result } : {}),
    });
    return { step: updated.steps[target.index] as PlanStep, plan: updated };
  },
});

export const validateStep = tool({
  name: 'validate_step',
  description: 'Record whether a step passed its check; a pass moves the plan to the next step.',
  inputSchema: z.object({ taskId: TaskRef, step: StepIndex.optional(), passed: z.boolean(), notes: Note.default('') }).strict(),
  outputSchema: z.object({ plan: ThinkingPlan, next: z.string().describe('what to do next') }),
  async handler({ taskId, step, passed, notes }, deps) {
    const plan = planOf(deps, taskId);
    const target = stepOf(plan, step);
    const updated = save(deps, plan, target.index, {
      status: passed ? 'done' : 'failed',
      notes: notes ? [...target.notes, notes] : target.notes,
    });
    return { plan: updated, next: nextHint(updated) };
  },
});

export const iterateUntilSuccess = tool({
  name: 'iterate_until_success',
  description: 'After a failed step, decide whether to try it again (with what was learnt) or give up once maxAttempts is reached.',
  inputSchema: z.object({ taskId: TaskRef, step: StepIndex.optional(), lesson: Note.default('') }).strict(),
  outputSchema: z.object({ retry: z.boolean(), attempts: z.number().int(), maxAttempts: z.number().int(), plan: ThinkingPlan, next: z.string() }),
  async handler({ taskId, step, lesson }, deps) {
    const plan = planOf(deps, taskId);
    const target = stepOf(plan, step);
    if (target.status === 'done') return { retry: false, attempts: target.attempts, maxAttempts: plan.maxAttempts, plan, next: nextHint(plan) };
    const retry = target.attempts < plan.maxAttempts;
    const updated = save(deps, plan, target.index, {
      status: retry ? 'pending' : 'failed',
      notes: lesson ? [...target.notes, lesson] : target.notes,
    });
    const next = retry
      ? `retry step ${target.index} ("${target.title}") with execute_step, attempt ${target.attempts + 1} of ${plan.maxAttempts}`
      : `step ${target.index} failed ${target.attempts} times; stop and report the failure`;
    return { retry, attempts: target.attempts, maxAttempts: plan.maxAttempts, plan: updated, next };
  },
});

/**
 * A plan as explicit state, so a small model only has to answer "what is the
 * result of this step" and "did it pass", never hold the whole plan in mind.
 */
export const SEQUENTIAL_THINKING_TOOLS: ReadonlyArray<ToolDefinition<ThinkingToolDeps>> = [planSteps, executeStep, validateStep, iterateUntilSuccess];

function nextHint(plan: ThinkingPlan): string {
  if (plan.finished) return 'every step is done';
  const step = plan.steps[plan.current ?? 0] as PlanStep;
  if (step.status === 'failed') return `step ${step.index} failed; call iterate_until_success`;
  return `run step ${step.index} ("${step.title}") with execute_step`;
}
