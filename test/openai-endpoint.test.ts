import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiLanguageModel } from '../actors/llm/api-model.js';
import { AnthropicTransport } from '../actors/llm/anthropic-transport.js';
import { OpenAiTransport } from '../actors/llm/openai-transport.js';
import { ProtocolError } from '../proto/index.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { TINY_CONFIG, TINY_MODEL } from './helpers/env.js';
import { readBody, startLoopbackServer, type LoopbackServer } from './helpers/loopback-http.js';

const NAME_SCHEMA = { type: 'object', properties: { name: { type: 'string', maxLength: 10 } }, required: ['name'] } as const;

describe('the daemon shares its models at /v1 (OpenAI-compatible), and the API providers use them', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startTestDaemon({ ...TINY_CONFIG, model: TINY_MODEL, models: { master: { contextSize: 1024 } } });
  });
  afterAll(async () => daemon?.cleanup());

  it('lists the roles, behind the token', async () => {
    expect((await fetch(`${daemon.apiUrl}/v1/models`)).status).toBe(401);
    const list = (await (await daemon.api('/v1/models')).json()) as { data: Array<{ id: string }> };
    expect(list.data.map((m) => m.id)).toEqual(['master', 'worker']);
  });

  it('answers a chat completion under a JSON schema, with usage, and names bad fields and unknown models', async () => {
    const res = await daemon.api('/v1/chat/completions', {
      method: 'POST',
      json: {
        model: 'worker',
        messages: [{ role: 'system', content: 'You name things.' }, { role: 'user', content: 'Name a cat.' }],
        max_tokens: 100,
        response_format: { type: 'json_schema', json_schema: { name: 'n', schema: NAME_SCHEMA } },
      },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string }; finish_reason: string }>; usage: { prompt_tokens: number; completion_tokens: number } };
    expect(typeof (JSON.parse(body.choices[0]?.message.content ?? '') as { name: unknown }).name).toBe('string');
    expect(body.choices[0]?.finish_reason).toBe('stop');
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);

    const anyObject = await daemon.api('/v1/chat/completions', {
      method: 'POST',
      json: { model: 'master', messages: [{ role: 'user', content: 'JSON please.' }], max_tokens: 3, response_format: { type: 'json_object' } },
    });
    const objectBody = (await anyObject.json()) as { choices: Array<{ message: { content: string }; finish_reason: string }> };
    // Three tokens cannot close a JSON object: the partial text comes back with finish_reason "length".
    expect(anyObject.status).toBe(200);
    expect(objectBody.choices[0]?.finish_reason).toBe('length');
    expect(objectBody.choices[0]?.message.content.startsWith('{')).toBe(true);

    const bad = await daemon.api('/v1/chat/completions', { method: 'POST', json: { model: 'worker', messages: [] } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { data: { field: string } } }).error.data.field).toBe('messages');
    const withTools = await daemon.api('/v1/chat/completions', {
      method: 'POST',
      json: { model: 'worker', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] },
    });
    expect(withTools.status).toBe(400);
    const toolsError = ((await withTools.json()) as { error: { message: string; data: { field: string } } }).error;
    expect(toolsError.data.field).toBe('tools');
    expect(toolsError.message).toContain('function calling is not served');
    const unknown = await daemon.api('/v1/chat/completions', { method: 'POST', json: { model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('master, worker');
  });

  it('decodes under a GBNF grammar given in the llama.cpp-style grammar field', async () => {
    const res = await daemon.api('/v1/chat/completions', {
      method: 'POST',
      json: { model: 'worker', messages: [{ role: 'user', content: 'Yes or no?' }], max_tokens: 10, grammar: 'root ::= "yes" | "no"' },
    });
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(['yes', 'no']).toContain(body.choices[0]?.message.content);
  });

  it('streams a chat completion as server-sent chunks ending in [DONE]', async () => {
    const res = await daemon.api('/v1/chat/completions', {
      method: 'POST',
      json: { model: 'worker', messages: [{ role: 'user', content: 'Say hi.' }], max_tokens: 24, stream: true, stream_options: { include_usage: true } },
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = (await res.text())
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice('data: '.length));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { choices: Array<{ delta: { content?: string }; finish_reason: string | null }>; usage?: { completion_tokens: number } });
    const content = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? '')).join('');
    const finish = chunks.flatMap((c) => c.choices.map((choice) => choice.finish_reason)).filter(Boolean);
    expect(finish).toHaveLength(1);
    expect(['stop', 'length']).toContain(finish[0]);
    expect(content.length).toBeGreaterThan(0);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('embeds through /v1/embeddings', async () => {
    const res = await daemon.api('/v1/embeddings', { method: 'POST', json: { model: 'worker', input: ['alpha', 'beta'] } });
    const body = (await res.json()) as { data: Array<{ index: number; embedding: number[] }> };
    expect(body.data.map((d) => d.index)).toEqual([0, 1]);
    expect(body.data[0]?.embedding).toHaveLength(8);
  });

  it('reports each role\'s model, context size and the CPU backend in /health', async () => {
    const health = (await (await daemon.api('/health')).json()) as { models: { master: unknown; worker: unknown; gpu: unknown } };
    expect(health.models.master).toEqual({ provider: 'local', name: TINY_MODEL, contextSize: 1024 });
    expect(health.models.worker).toEqual({ provider: 'local', name: TINY_MODEL, contextSize: 4096 });
    expect(health.models.gpu).toBe(false);
  });

  it('the OpenAI-compatible provider gets schema-valid JSON from the daemon, with token and cost accounting', async () => {
    const transport = new OpenAiTransport({ baseUrl: `${daemon.apiUrl}/v1`, model: 'master', apiKey: daemon.token, timeoutMs: 30_000, maxRetries: 0 });
    const model = new ApiLanguageModel(transport, { pricing: { inputPerMTok: 1, outputPerMTok: 2 } });
    const answer = await model.generateJson({ system: 'You name things.', prompt: 'Name a dog.', schema: NAME_SCHEMA, maxTokens: 100 });
    expect(typeof (answer.value as { name: unknown }).name).toBe('string');
    expect(answer.tokens).toBeGreaterThan(0);
    expect(answer.costUsd).toBeCloseTo(((answer.promptTokens ?? 0) * 1 + answer.tokens * 2) / 1e6, 12);
  });

  it('the provider retries a failing endpoint with backoff, and gives up with a clear error that never shows the key', async () => {
    let requests = 0;
    const flaky: LoopbackServer = await startLoopbackServer((req, res) => {
      requests++;
      void readBody(req).then(async (body) => {
        if (requests === 1) {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"busy"}}');
          return;
        }
        const upstream = await daemon.api('/v1/chat/completions', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
      });
    });
    try {
      const secret = 'sk-test-SECRET';
      const model = new ApiLanguageModel(new OpenAiTransport({ baseUrl: flaky.url, model: 'worker', apiKey: secret, timeoutMs: 30_000, maxRetries: 2, retryBaseMs: 10 }));
      const answer = await model.generateJson({ system: 's', prompt: 'p', schema: NAME_SCHEMA, maxTokens: 100 });
      expect(typeof (answer.value as { name: unknown }).name).toBe('string');
      expect(requests).toBe(2);

      const silent = await startLoopbackServer(() => {});
      const down = new ApiLanguageModel(new OpenAiTransport({ baseUrl: silent.url, model: 'worker', apiKey: secret, timeoutMs: 200, maxRetries: 1, retryBaseMs: 10 }));
      const error = await down.complete({ system: 's', prompt: 'p', maxTokens: 10 }).catch((e: unknown) => e);
      await silent.close();
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe('model_unavailable');
      expect((error as ProtocolError).message).toContain('no answer within 200 ms');
      expect((error as ProtocolError).message).not.toContain(secret);
    } finally {
      await flaky.close();
    }
  });

  it('the Anthropic provider speaks Messages, and re-asks with the validation error when JSON is invalid', async () => {
    // A Messages endpoint backed by the daemon's real (random-weight) model, free text: its prose is not JSON.
    const seen: Array<{ messages: Array<{ role: string; content: string }>; headers: Record<string, unknown> }> = [];
    const anthropic = await startLoopbackServer((req, res) => {
      void readBody(req).then(async (raw) => {
        const body = JSON.parse(raw) as { system: string; messages: Array<{ role: 'user' | 'assistant'; content: string }>; max_tokens: number };
        seen.push({ messages: body.messages, headers: req.headers });
        const upstream = await daemon.api('/v1/chat/completions', {
          method: 'POST',
          json: { model: 'worker', messages: [{ role: 'system', content: body.system }, ...body.messages], max_tokens: Math.min(body.max_tokens, 16) },
        });
        const answer = (await upstream.json()) as { choices: Array<{ message: { content: string } }>; usage: { prompt_tokens: number; completion_tokens: number } };
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            content: [{ type: 'text', text: `not json: ${answer.choices[0]?.message.content ?? ''}` }],
            stop_reason: 'end_turn',
            usage: { input_tokens: answer.usage.prompt_tokens, output_tokens: answer.usage.completion_tokens },
          }),
        );
      });
    });
    try {
      const model = new ApiLanguageModel(new AnthropicTransport({ baseUrl: anthropic.url, model: 'claude-test', apiKey: 'k', timeoutMs: 30_000, maxRetries: 0 }), { jsonAttempts: 2 });
      const error = await model.generateJson({ system: 's', prompt: 'Name a bird.', schema: NAME_SCHEMA, maxTokens: 50 }).catch((e: unknown) => e);
      expect((error as ProtocolError).code).toBe('model_output_invalid');
      expect((error as ProtocolError).message).toContain('no valid JSON in 2 tries');
      expect(seen).toHaveLength(2);
      expect(seen[0]?.headers['x-api-key']).toBe('k');
      expect(seen[0]?.headers['anthropic-version']).toBe('2023-06-01');
      expect(seen[1]?.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
      expect(seen[1]?.messages[2]?.content).toContain('the answer is not JSON');
    } finally {
      await anthropic.close();
    }
  });
});
