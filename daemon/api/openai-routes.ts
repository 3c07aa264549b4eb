import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { GbnfJsonSchema } from 'node-llama-cpp';
import { OpenAiChatCompletionBody, OpenAiEmbeddingsBody, ProtocolError, toWireError } from '../../proto/index.js';
import type { GenerationRequest, GenerationResult, LanguageModel } from '../../actors/llm/language-model.js';
import { jsonBody } from './validate.js';
import { toSystemAndPrompt } from './openai-messages.js';
import { answerBudget, asClientGrammarError, asClientSchemaError, assertValidResponseSchema } from './openai-limits.js';

/** A model the daemon shares, by role name (master, worker). */
export interface ServedModel {
  id: string;
  /** Whether it is configured; an unconfigured role is not listed. */
  available: () => boolean;
  get: () => Promise<LanguageModel>;
}

const ANY_OBJECT: GbnfJsonSchema = { type: 'object' } as GbnfJsonSchema;

function pick(models: readonly ServedModel[], id: string): ServedModel {
  const model = models.find((m) => m.id === id && m.available());
  if (model) return model;
  const names = models.filter((m) => m.available()).map((m) => m.id);
  throw new ProtocolError('not_found', `no model "${id}"; this daemon serves: ${names.join(', ') || 'none (configure a model first)'}`);
}

/**
 * OpenAI-compatible routes over the daemon's loaded models, so editors and
 * other tools can share them; they sit behind the same bearer token as the
 * rest of the API. Requests queue fairly with the workers' own (one pool of
 * context sequences per role).
 */
export function createOpenAiRoutes(models: readonly ServedModel[]) {
  return new Hono()
    .get('/models', (c) =>
      c.json({
        object: 'list' as const,
        data: models.filter((m) => m.available()).map((m) => ({ id: m.id, object: 'model' as const, created: 0, owned_by: 'autodev' })),
      }),
    )
    .post('/chat/completions', jsonBody(OpenAiChatCompletionBody), async (c) => {
      const body = c.req.valid('json');
      const served = pick(models, body.model);
      assertValidResponseSchema(body);
      const model = await served.get();
      const { system, prompt } = toSystemAndPrompt(body.messages);
      const maxTokens = answerBudget(body, model, served.id, { system, prompt });
      const controller = new AbortController();
      c.req.raw.signal.addEventListener('abort', () => controller.abort(), { once: true });
      const base: GenerationRequest = {
        system,
        prompt,
        maxTokens,
        allowTruncated: true,
        signal: controller.signal,
        ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
        ...(body.seed !== undefined ? { seed: body.seed } : {}),
      };
      const format = body.response_format;
      const run = async (request: GenerationRequest): Promise<GenerationResult<string>> => {
        if (body.grammar) {
          const grammar = body.grammar;
          return model.generateText({ ...request, grammar }).catch((error: unknown) => Promise.reject(asClientGrammarError(error)));
        }
        if (format?.type === 'json_schema' || format?.type === 'json_object') {
          const schema = format.type === 'json_schema' ? (format.json_schema.schema as GbnfJsonSchema) : ANY_OBJECT;
          const answer = await model.generateJson({ ...request, schema }).catch((error: unknown) => Promise.reject(asClientSchemaError(error)));
          return { ...answer, value: answer.truncated ? String(answer.value) : JSON.stringify(answer.value) };
        }
        if (!model.complete) throw new ProtocolError('bad_request', `model "${served.id}" serves structured answers only; pass response_format`);
        return model.complete(request);
      };
      const id = `chatcmpl-${randomUUID()}`;
      const created = Math.floor(Date.now() / 1000);
      const usage = (answer: GenerationResult<string>) => ({
        prompt_tokens: answer.promptTokens ?? 0,
        completion_tokens: answer.tokens,
        total_tokens: (answer.promptTokens ?? 0) + answer.tokens,
      });
      if (!body.stream) {
        const answer = await run(base);
        return c.json({
          id,
          object: 'chat.completion' as const,
          created,
          model: served.id,
          choices: [{ index: 0, message: { role: 'assistant' as const, content: answer.value }, finish_reason: answer.truncated ? 'length' : 'stop' }],
          usage: usage(answer),
        });
      }
      return streamSSE(c, async (stream) => {
        stream.onAbort(() => controller.abort());
        const chunk = (delta: Record<string, string>, finish: string | null) =>
          JSON.stringify({ id, object: 'chat.completion.chunk', created, model: served.id, choices: [{ index: 0, delta, finish_reason: finish }] });
        await stream.writeSSE({ data: chunk({ role: 'assistant' }, null) });
        // Writes are queued in order; generation is not held back by a slow reader.
        let pending = Promise.resolve();
        try {
          const answer = await run({ ...base, onText: (text) => void (pending = pending.then(() => stream.writeSSE({ data: chunk({ content: text }, null) }))) });
          await pending;
          await stream.writeSSE({ data: chunk({}, answer.truncated ? 'length' : 'stop') });
          if (body.stream_options?.include_usage) {
            await stream.writeSSE({ data: JSON.stringify({ id, object: 'chat.completion.chunk', created, model: served.id, choices: [], usage: usage(answer) }) });
          }
        } catch (error) {
          await pending;
          await stream.writeSSE({ data: JSON.stringify({ error: toWireError(error) }) });
        }
        await stream.writeSSE({ data: '[DONE]' });
      });
    })
    .post('/embeddings', jsonBody(OpenAiEmbeddingsBody), async (c) => {
      const body = c.req.valid('json');
      const served = pick(models, body.model);
      const model = await served.get();
      if (!model.embed) throw new ProtocolError('bad_request', `model "${served.id}" does not embed; use a local GGUF role`);
      const inputs = typeof body.input === 'string' ? [body.input] : body.input;
      const vectors = await model.embed(inputs);
      return c.json({
        object: 'list' as const,
        model: served.id,
        data: vectors.map((embedding, index) => ({ object: 'embedding' as const, index, embedding })),
        usage: { prompt_tokens: 0, total_tokens: 0 },
      });
    });
}
