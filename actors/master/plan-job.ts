import {
  MODEL_PLAN_JSON_SCHEMA,
  MODEL_REFINEMENT_JSON_SCHEMA,
  ModelPlan,
  ModelRefinement,
  ProtocolError,
  type Blueprint,
  type ModelUsage,
  type Task,
} from '../../proto/index.js';
import { backboneFromBlueprint, mergeRefinements, type PlannedTask } from '../../machines/decompose.js';
import { normalizePlan } from '../../machines/plan.js';
import { keepKnownOperations, repairPlanAnswer } from '../../machines/plan-repair.js';
import type { PlanJobInput } from '../../machines/master.machine.js';
import type { LanguageModel } from '../llm/language-model.js';
import { meterModel } from '../llm/usage-meter.js';
import type { Logger } from '../log/logger.js';
import { initJobRepo } from '../git/repo.js';
import { toGbnfSchema } from '../mcp/gbnf-schema.js';
import type { SuiteStore } from '../acceptance/suite-store.js';
import { askUntilValid, issuesLine, type Judged } from './ask-until-valid.js';
import { freezeAcceptanceSuite } from './freeze-suite.js';
import { planDefaults } from './roles.js';

/** Above every limit in PLAN_LIMITS, so the schema's own bounds are the ones the grammar keeps. */
const PLAN_GRAMMAR_BOUNDS = { maxStringLength: 1000, maxArrayItems: 16 };
/** The grammars the model plans under, from the JSON schemas zod generates. */
export const PLAN_GRAMMAR_SCHEMA = toGbnfSchema(MODEL_PLAN_JSON_SCHEMA, PLAN_GRAMMAR_BOUNDS);
export const REFINEMENT_GRAMMAR_SCHEMA = toGbnfSchema(MODEL_REFINEMENT_JSON_SCHEMA, PLAN_GRAMMAR_BOUNDS);

export interface PlanJobDeps {
  /** Resolved lazily so the daemon starts before the model has loaded. */
  model: () => Promise<LanguageModel>;
  maxTokens: number;
  maxRetries: number;
  /** What each task may spend per attempt. */
  taskBudget: Task['budget'];
  /** How many times a plan that fails validation is asked for again. */
  maxPlanAttempts: number;
  /** Where the job's acceptance suite is frozen, outside the repository. */
  suites: SuiteStore;
  /** Told what each model call spent (the acceptance checks and the plan), as it is spent. */
  onUsage?: (spent: ModelUsage) => void;
  log: Logger;
}

const TEAM = 'You are the planning lead of a software team of backend, frontend, testing, devops and docs engineers.';
const PLAN_SYSTEM = [
  TEAM,
  'Split the project into small tasks, each for one engineer. Give every task a short unique key,',
  'list the keys of the tasks it depends on, a priority from 1 (low) to 10 (high), an estimate in minutes,',
  'and one to three checks that tell when it is done: a file that must exist, a JSON file that must parse,',
  'a file that must mention some texts, a shell command that must succeed, tests matching a glob that must pass,',
  'or the server that must start. Paths are relative to the repository root. Answer with JSON only.',
].join(' ');
const REFINE_SYSTEM = [
  TEAM,
  'A plan derived from the API spec already exists. Add only the tasks it misses (at most four, possibly none):',
  'each with a new unique key, the keys it depends on (existing keys are allowed), a priority, an estimate',
  'and one to three checks. Answer with JSON only.',
].join(' ');

function describeBlueprint(blueprint: Blueprint | null): string {
  if (!blueprint) return '';
  const s = blueprint.techStack;
  return [
    `\n\nTech stack: ${s.language}, ${s.runtime}, ${s.framework}${s.database ? `, ${s.database}` : ''}${s.frontend ? `, ${s.frontend} front end` : ''}; tests in ${s.testing}.`,
    `Requirements:\n${blueprint.requirements.map((r) => `- ${r}`).join('\n')}`,
  ].join('\n');
}

function planPrompt(input: PlanJobInput, backbone: readonly PlannedTask[]): string {
  const spec = input.spec && !backbone.length ? `\n\nSpecification:\n${input.spec}` : '';
  const existing = backbone.length
    ? `\n\nExisting plan:\n${backbone.map((t) => `- ${t.key} (${t.type}, after ${t.dependsOn.join(', ') || 'nothing'}): ${t.description}`).join('\n')}`
    : '';
  return `Project request:\n${input.prompt}${describeBlueprint(input.blueprint)}${spec}${existing}`;
}

/**
 * The TaskDecomposer's side effects: creates the job's repository, freezes
 * the job's acceptance suite (actors/master/freeze-suite.ts), then builds the
 * DAG. With an OpenAPI spec the backbone comes from the spec and the model
 * only adds to it; without one the model plans alone. Either way the answer
 * is repaired where it can be (bad rules dropped, over-long text clipped),
 * validated, and asked for again when it fails; then ids, dependencies,
 * cycles and missing rules are repaired before it runs.
 */
export async function planJob(deps: PlanJobDeps, input: PlanJobInput, signal: AbortSignal): Promise<Task[]> {
  await initJobRepo(
    input.repo,
    [
      { path: 'AUTODEV.md', content: `# Job ${input.jobId}\n\n${input.prompt}\n` },
      ...(input.spec ? [{ path: 'spec/input.txt', content: input.spec }] : []),
      ...(input.blueprint ? [{ path: 'spec/blueprint.json', content: `${JSON.stringify(input.blueprint, null, 2)}\n` }] : []),
    ],
    `chore: start job ${input.jobId}\n\nJob: ${input.jobId}\n`,
  );
  const onUsage = deps.onUsage;
  const model = onUsage ? async () => meterModel(await deps.model(), onUsage) : deps.model;
  const suite = await freezeAcceptanceSuite(
    { suites: deps.suites, model, maxTokens: deps.maxTokens, maxAttempts: deps.maxPlanAttempts, log: deps.log },
    input,
    signal,
  );
  const backbone = input.blueprint ? backboneFromBlueprint(input.blueprint) : [];
  const refining = backbone.length > 0;
  const result = await askUntilValid({
    model: await model(),
    request: {
      system: refining ? REFINE_SYSTEM : PLAN_SYSTEM,
      prompt: planPrompt(input, backbone),
      schema: refining ? REFINEMENT_GRAMMAR_SCHEMA : PLAN_GRAMMAR_SCHEMA,
      maxTokens: deps.maxTokens,
    },
    attempts: deps.maxPlanAttempts,
    signal,
    judge: (answer): Judged<{ tasks: PlannedTask[]; repairs: string[] }> => {
      const { answer: repaired, repairs } = repairPlanAnswer(answer);
      const parsed = (refining ? ModelRefinement : ModelPlan).safeParse(repaired);
      return parsed.success ? { ok: true, value: { tasks: parsed.data.tasks, repairs } } : { ok: false, problem: issuesLine(parsed.error.issues) };
    },
    onRefused: (attempt, problem) => deps.log.warn('plan failed validation; asking again', { jobId: input.jobId, attempt, problem }),
  });
  if (!result.ok) throw new ProtocolError('plan_invalid', `no valid plan after ${deps.maxPlanAttempts} attempts: ${result.problem}`);
  const merged = mergeRefinements(backbone, result.value.tasks);
  const defaults = planDefaults(deps.maxRetries, deps.taskBudget);
  const normalized = normalizePlan(merged, defaults);
  const known = new Set(suite.checks.map((c) => c.operationId));
  const { tasks, repairs: operationRepairs } = keepKnownOperations(normalized.tasks, known, defaults.defaultRulesByRole);
  const notes = [...result.value.repairs, ...merged.repairs, ...normalized.repairs, ...operationRepairs];
  if (notes.length > 0) deps.log.info('repaired the plan', { jobId: input.jobId, repairs: notes });
  return tasks;
}
