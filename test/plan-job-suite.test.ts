import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcceptanceSuite, MODEL_PLAN_JSON_SCHEMA, ModelPlan } from '../proto/index.js';
import { z } from 'zod';
import { ACCEPTANCE_PLAN_JSON_SCHEMA, AcceptanceCheckPlan } from '../proto/acceptance-plan.js';
import { analyzeProject } from '../actors/analysis/analyze-project.js';
import { deriveSuiteFromText } from '../actors/acceptance/derive-checks.js';
import { repairAcceptanceAnswer } from '../actors/acceptance/prompt-suite.js';
import { createFileSuiteStore } from '../actors/acceptance/suite-store.js';
import { LlamaLanguageModel } from '../actors/llm/llama-model.js';
import { createLogger } from '../actors/log/logger.js';
import { ACCEPTANCE_GRAMMAR_SCHEMA } from '../actors/master/freeze-suite.js';
import { PLAN_GRAMMAR_SCHEMA, planJob, type PlanJobDeps } from '../actors/master/plan-job.js';
import { repairPlanAnswer } from '../machines/plan-repair.js';
import { REPO_ROOT, TINY_CONFIG, TINY_MODEL, tempDir } from './helpers/env.js';

const TODO_SPEC = readFileSync(join(REPO_ROOT, 'examples', 'todo-api', 'openapi.yaml'), 'utf8');
const PROMPT = 'A command-line and HTTP service that keeps a shopping list: add items, list them, mark them bought.';

/** planJob as the daemon runs it, on the random-weight model through real node-llama-cpp. */
describe('planning with the random-weight model freezes the acceptance suite', () => {
  const home = tempDir('plan-suite');
  const jobsDir = join(home.path, 'jobs');
  const suites = createFileSuiteStore(jobsDir);
  const lines: string[] = [];
  let model: LlamaLanguageModel;
  let deps: PlanJobDeps;

  beforeAll(async () => {
    model = await LlamaLanguageModel.load({ modelPath: TINY_MODEL, gpu: false, contextSize: 4096, sequences: 1, threads: 1 });
    deps = {
      model: async () => model,
      maxTokens: TINY_CONFIG.planMaxTokens,
      maxRetries: TINY_CONFIG.maxRetries,
      taskBudget: { maxTokens: TINY_CONFIG.taskMaxTokens, timeoutMs: 60_000 },
      maxPlanAttempts: 3,
      suites,
      log: createLogger({ level: 'debug', write: (line) => lines.push(line) }),
    };
  }, 60_000);
  afterAll(async () => {
    await model?.close();
    home.cleanup();
  });

  const suiteFile = (jobId: string) => join(jobsDir, jobId, 'acceptance', 'suite.json');

  it('writes checks from a spec-less prompt, only scenario and command checks, and keeps them when planning runs again', async () => {
    const input = { jobId: 'job-prompt', prompt: PROMPT, spec: null, blueprint: await analyzeProject(PROMPT, null), repo: join(home.path, 'repo-prompt') };
    const tasks = await planJob(deps, input, new AbortController().signal);
    expect(tasks.length).toBeGreaterThan(0);
    expect(tasks.every((t) => t.validationRules.length > 0)).toBe(true);

    const saved = AcceptanceSuite.parse(JSON.parse(readFileSync(suiteFile(input.jobId), 'utf8')));
    expect(saved.source).toBe('prompt');
    expect(saved.checks.length + (saved.commands?.length ?? 0)).toBeGreaterThan(0);
    expect(saved.checks.length + (saved.commands?.length ?? 0)).toBeLessThanOrEqual(8);
    expect(saved.checks.every((c) => c.kind === 'scenario' && c.operationId === 'prompt' && c.steps.length === 1)).toBe(true);
    // The suite lives beside the job's record, never in the repository the workers write.
    expect(suiteFile(input.jobId).startsWith(input.repo)).toBe(false);

    const before = readFileSync(suiteFile(input.jobId), 'utf8');
    const mtime = statSync(suiteFile(input.jobId)).mtimeMs;
    await planJob(deps, input, new AbortController().signal);
    expect(readFileSync(suiteFile(input.jobId), 'utf8')).toBe(before);
    expect(statSync(suiteFile(input.jobId)).mtimeMs).toBe(mtime);
    expect(lines.some((l) => l.includes('kept the frozen acceptance suite') && l.includes('job-prompt'))).toBe(true);
    const attempts = lines.filter((l) => l.includes('failed validation; asking again')).length;
    console.log(`spec-less planning, twice: ${saved.checks.length} scenario and ${saved.commands?.length ?? 0} command checks; ${attempts} answers asked again`);
  }, 300_000);

  it('derives the suite from the OpenAPI spec when there is one: exactly deriveSuiteFromText of it', async () => {
    const prompt = readFileSync(join(REPO_ROOT, 'examples', 'todo-api', 'prompt.md'), 'utf8');
    const input = { jobId: 'job-spec', prompt, spec: TODO_SPEC, blueprint: await analyzeProject(prompt, TODO_SPEC), repo: join(home.path, 'repo-spec') };
    const tasks = await planJob(deps, input, new AbortController().signal);
    expect(tasks.find((t) => t.description.startsWith('Implement the'))?.validationRules[0]?.kind).toBe('http');
    const saved = await suites.load(input.jobId);
    expect(saved).toEqual({ ...(await deriveSuiteFromText(TODO_SPEC)), source: 'openapi' });
    expect(saved?.checks.length).toBeGreaterThan(20);
  }, 300_000);

  // What the grammar promises: whatever the weights, a decoded answer keeps the
  // schema's shape, and after the repair (bad rules dropped, text clipped) it parses.
  it('decodes plans and acceptance checks under the grammar that always parse after repair', async () => {
    const ajvPlan = new Ajv({ strict: false }).compile(MODEL_PLAN_JSON_SCHEMA);
    const ajvChecks = new Ajv({ strict: false }).compile(ACCEPTANCE_PLAN_JSON_SCHEMA);
    const dropped: string[] = [];
    for (let seed = 1; seed <= 2; seed++) {
      const sampling = seed === 1 ? {} : { temperature: 0.8, seed };
      const plan = await model.generateJson({ system: 'Plan the project as JSON.', prompt: PROMPT, schema: PLAN_GRAMMAR_SCHEMA, maxTokens: 3000, ...sampling });
      const repairedPlan = repairPlanAnswer(plan.value);
      dropped.push(...repairedPlan.repairs);
      expect(ModelPlan.safeParse(repairedPlan.answer).error?.issues ?? []).toEqual([]);
      expect(ajvPlan(repairedPlan.answer)).toBe(true);

      const checks = await model.generateJson({ system: 'Write acceptance checks as JSON.', prompt: PROMPT, schema: ACCEPTANCE_GRAMMAR_SCHEMA, maxTokens: 3000, ...sampling });
      const repairedChecks = repairAcceptanceAnswer(checks.value);
      dropped.push(...repairedChecks.repairs);
      // Every check the grammar let through either parses or was dropped with a reason; the shape always holds.
      const kept = z.object({ checks: z.array(AcceptanceCheckPlan) }).safeParse(repairedChecks.answer);
      expect(kept.error?.issues ?? []).toEqual([]);
      if (kept.data && kept.data.checks.length > 0) expect(ajvChecks(repairedChecks.answer)).toBe(true);
    }
    console.log(`random-weight answers: ${dropped.length} repairs over 2 plans and 2 check lists, e.g. ${dropped.slice(0, 3).join(' | ')}`);
  }, 300_000);
});
