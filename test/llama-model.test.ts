import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaLanguageModel } from '../actors/llm/llama-model.js';
import { fileSectionsGrammar, parseFileSections } from '../actors/worker/file-sections.js';
import { PLAN_GRAMMAR_SCHEMA } from '../actors/master/plan-job.js';
import { ModelPlan, ProtocolError } from '../proto/index.js';
import { repairPlanAnswer } from '../machines/plan-repair.js';
import { TINY_MODEL } from './helpers/env.js';

describe('LlamaLanguageModel on the tiny random-weight GGUF', () => {
  let model: LlamaLanguageModel;
  beforeAll(async () => {
    model = await LlamaLanguageModel.load({ modelPath: TINY_MODEL, gpu: false, contextSize: 4096, sequences: 2 });
  });
  afterAll(async () => model?.close());

  it('decodes a plan under the JSON-schema grammar that the zod schema accepts', async () => {
    const answer = await model.generateJson({
      system: 'plan',
      prompt: 'Build a todo API',
      schema: PLAN_GRAMMAR_SCHEMA,
      maxTokens: 1500,
    });
    expect(answer.tokens).toBeGreaterThan(0);
    // The grammar cannot hold every zod refinement (a glob's characters): what it lets through is repaired, never trusted.
    const plan = ModelPlan.parse(repairPlanAnswer(answer.value).answer);
    expect(plan.tasks.length).toBeGreaterThanOrEqual(1);
  });

  it('writes file sections under the GBNF grammar, two generations at once on one model', async () => {
    const limits = { maxFiles: 2, maxLinesPerFile: 4, maxLineChars: 40, maxSummaryChars: 40 };
    const progress: number[] = [];
    const [a, b] = await Promise.all(
      ['write a server', 'write a README'].map((prompt) =>
        model.generateText({ system: 'files', prompt, grammar: fileSectionsGrammar(limits), maxTokens: 1500, onProgress: (t) => progress.push(t) }),
      ),
    );
    for (const answer of [a, b]) {
      const sections = parseFileSections(answer?.value ?? '');
      expect(sections.files.length).toBeGreaterThanOrEqual(1);
      expect(sections.files.length).toBeLessThanOrEqual(2);
      for (const file of sections.files) expect(file.content.split('\n').length).toBeLessThanOrEqual(5);
    }
    expect(progress.length).toBeGreaterThan(0);
  });

  it('reports an answer cut off by the token budget instead of returning half of it', async () => {
    const limits = { maxFiles: 4, maxLinesPerFile: 50, maxLineChars: 200, maxSummaryChars: 100 };
    const error = await model
      .generateText({ system: 'files', prompt: 'write a lot', grammar: fileSectionsGrammar(limits), maxTokens: 20 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('model_output_invalid');
  });

  it('stops generating when its signal aborts', async () => {
    const limits = { maxFiles: 8, maxLinesPerFile: 200, maxLineChars: 200, maxSummaryChars: 100 };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await model
      .generateText({ system: 'files', prompt: 'write a lot', grammar: fileSectionsGrammar(limits), maxTokens: 100_000, signal: controller.signal })
      .catch((e: unknown) => e);
    expect((error as ProtocolError).code).toBe('cancelled');
    // 100,000 tokens would take minutes: ending well before shows the abort stopped it, however loaded the machine.
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
