import { MODEL_PLAN_JSON_SCHEMA, ModelPlan, ProtocolError, type Task } from '../../proto/index.js';
import { normalizePlan } from '../../machines/plan.js';
import type { PlanJobInput } from '../../machines/master.machine.js';
import type { LanguageModel } from '../llm/language-model.js';
import type { Logger } from '../log/logger.js';
import { initJobRepo } from '../git/repo.js';
import { planDefaults } from './roles.js';

export interface PlanJobDeps {
  /** Resolved lazily so the daemon starts before the model has loaded. */
  model: () => Promise<LanguageModel>;
  maxTokens: number;
  maxRetries: number;
  /** How many times a plan that fails validation is asked for again. */
  maxPlanAttempts: number;
  log: Logger;
}

const SYSTEM = [
  'You are the planning lead of a software team of backend, frontend, testing, devops and docs engineers.',
  'Split the project into small tasks, each for one engineer. Give every task a short unique key,',
  'list the keys of the tasks it depends on, a priority from 1 (low) to 10 (high), an estimate in minutes,',
  'and one to three checks that tell when it is done. Answer with JSON only.',
].join(' ');

function planPrompt(input: PlanJobInput): string {
  const spec = input.spec ? `\n\nSpecification:\n${input.spec}` : '';
  return `Project request:\n${input.prompt}${spec}`;
}

/** Creates the job's repository, then asks the model for a plan until one validates. */
export async function planJob(deps: PlanJobDeps, input: PlanJobInput, signal: AbortSignal): Promise<Task[]> {
  await initJobRepo(
    input.repo,
    [
      { path: 'AUTODEV.md', content: `# Job ${input.jobId}\n\n${input.prompt}\n` },
      ...(input.spec ? [{ path: 'spec/input.txt', content: input.spec }] : []),
    ],
    `chore: start job ${input.jobId}\n\nJob: ${input.jobId}\n`,
  );
  const model = await deps.model();
  let lastProblem = '';
  for (let attempt = 1; attempt <= deps.maxPlanAttempts; attempt++) {
    signal.throwIfAborted();
    const answer = await model.generateJson({
      system: SYSTEM,
      prompt: planPrompt(input),
      schema: MODEL_PLAN_JSON_SCHEMA,
      maxTokens: deps.maxTokens,
      signal,
    });
    const parsed = ModelPlan.safeParse(answer.value);
    if (!parsed.success) {
      lastProblem = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      deps.log.warn('plan failed validation; asking again', { jobId: input.jobId, attempt, problem: lastProblem });
      continue;
    }
    const { tasks, repairs } = normalizePlan(parsed.data, planDefaults(deps.maxRetries));
    if (repairs.length > 0) deps.log.info('repaired the model plan', { jobId: input.jobId, repairs });
    return tasks;
  }
  throw new ProtocolError('plan_invalid', `no valid plan after ${deps.maxPlanAttempts} attempts: ${lastProblem}`);
}
