import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaLanguageModel } from '../actors/llm/llama-model.js';
import { LlamaRuntime } from '../actors/llm/llama-runtime.js';
import { ProtocolError } from '../proto/index.js';
import { TINY_MODEL } from './helpers/env.js';

const SHORT_JSON = { type: 'object', properties: { name: { type: 'string', maxLength: 8 } }, required: ['name'] } as const;

describe('LlamaLanguageModel: roles, guard, prefix reuse, functions, embeddings', () => {
  let runtime: LlamaRuntime;
  let worker: LlamaLanguageModel;
  let master: LlamaLanguageModel;
  beforeAll(async () => {
    runtime = await LlamaRuntime.create(false);
    worker = await LlamaLanguageModel.create(runtime, TINY_MODEL, { contextSize: 2048, sequences: 2, threads: 1, name: 'worker' });
    master = await LlamaLanguageModel.create(runtime, TINY_MODEL, { contextSize: 1024, sequences: 1, threads: 1, name: 'master' });
  });
  afterAll(async () => {
    await worker?.close();
    await master?.close();
    await runtime?.dispose();
  });

  it('gives each role its own context size on one set of weights, and reports the CPU backend', async () => {
    expect(worker.contextSize).toBe(2048);
    expect(master.contextSize).toBe(1024);
    const gpu = await runtime.gpuReport();
    expect(gpu.active).toBe(false);
    expect(gpu.available).toContain(false);
  });

  it('refuses a prompt that would not fit, naming the sizes, instead of truncating it', async () => {
    const prompt = 'word '.repeat(1200);
    const error = await master.generateJson({ system: 's', prompt, schema: SHORT_JSON, maxTokens: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('context_overflow');
    expect((error as ProtocolError).message).toMatch(/1024-token context window/);
  });

  it('evaluates a shared system prompt once: the second request reads only its suffix', async () => {
    const system = `You are a careful engineer. ${'Follow the house rules exactly. '.repeat(120)}`;
    // Counted in tokens the model evaluated, not in time: a loaded machine can slow either request.
    const ask = async (prompt: string) => {
      const answer = await worker.generateJson({ system, prompt, schema: SHORT_JSON, maxTokens: 60 });
      expect(typeof (answer.value as { name: unknown }).name).toBe('string');
      expect(answer.promptTokens).toBeGreaterThan(600);
      return answer;
    };
    const cold = await ask('first question');
    const warm = await ask('second question');
    console.log(JSON.stringify({ cold: cold.promptTokensEvaluated, warm: warm.promptTokensEvaluated, prompt: warm.promptTokens }));
    expect(cold.promptTokensEvaluated).toBeGreaterThan(600);
    expect(warm.promptTokensEvaluated).toBeLessThan(100);
  });

  it('streams answer text as it is decoded', async () => {
    const chunks: string[] = [];
    const answer = await worker.complete({ system: 'chat', prompt: 'hello', maxTokens: 16, onText: (t) => chunks.push(t) }).catch((e: unknown) => e);
    // The random model may run out of its 16-token budget; what it streamed is still what it decoded.
    expect(chunks.length).toBeGreaterThan(0);
    if (!(answer instanceof ProtocolError)) expect(chunks.join('')).toBe((answer as { value: string }).value);
  });

  it('runs a generation with functions offered and records every call with schema-shaped arguments', async () => {
    const answer = await worker.generateWithFunctions({
      system: 'Use the tools.',
      prompt: 'What time is it?',
      maxTokens: 200,
      functions: {
        now: {
          description: 'the current time',
          parameters: { type: 'object', properties: { zone: { type: 'string', maxLength: 6 } }, required: ['zone'] },
          handler: async () => '12:00',
        },
      },
    }).catch((e: unknown) => e);
    // Random weights rarely choose to call; when they do, the call went through the handler with grammar-decoded args.
    if (answer instanceof ProtocolError) expect(answer.code).toBe('model_output_invalid');
    else {
      const { calls, value } = answer as { calls: Array<{ name: string; args: { zone: unknown }; result: unknown }>; value: string };
      expect(typeof value).toBe('string');
      for (const call of calls) {
        expect(call.name).toBe('now');
        expect(typeof call.args.zone).toBe('string');
        expect(call.result).toBe('12:00');
      }
    }
  });

  it('embeds texts with the same weights', async () => {
    const vectors = await worker.embed(['one text', 'another text']);
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toHaveLength(8);
    expect(vectors[0]?.every((x) => Number.isFinite(x))).toBe(true);
  });
});
