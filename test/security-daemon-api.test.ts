import { request } from 'node:http';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { TINY_CONFIG, TINY_MODEL } from './helpers/env.js';

const LIMIT = 64 * 1024;

interface RawAnswer {
  status: number;
  body: string;
}

/** node:http, because fetch will not let a caller set Host: what a rebinding browser sends. */
function rawRequest(url: string, options: { method?: string; headers: Record<string, string>; body?: string }): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

type ErrorAnswer = { error: { code: string; message: string; data?: Record<string, unknown> } };

describe('the control API refuses what an outside caller should not get through', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startTestDaemon({ ...TINY_CONFIG, model: TINY_MODEL, warmUpModels: false, memory: { enabled: false }, apiMaxBodyBytes: LIMIT, models: { master: { contextSize: 512 } } });
  });
  afterAll(async () => daemon?.cleanup());

  it('item 18: answers only requests addressed to a loopback name with its own port (DNS rebinding)', async () => {
    const port = new URL(daemon.apiUrl).port;
    const auth = { authorization: `Bearer ${daemon.token}` };
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      expect((await rawRequest(`${daemon.apiUrl}/health`, { headers: { ...auth, host } })).status, host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, `127.0.0.1.evil.example:${port}`, '127.0.0.1', `127.0.0.1:${Number(port) + 1}`, `0.0.0.0:${port}`]) {
      const answer = await rawRequest(`${daemon.apiUrl}/jobs`, { headers: { ...auth, host } });
      expect(answer.status, host).toBe(421);
      expect((JSON.parse(answer.body) as ErrorAnswer).error.data?.field).toBe('host');
    }
    // A Host that is no host at all never reaches a route either (the HTTP server refuses to build a URL from it).
    const malformed = await rawRequest(`${daemon.apiUrl}/jobs`, { headers: { ...auth, host: `localhost:${port}@evil.example` } });
    expect([400, 421]).toContain(malformed.status);
  });

  it('item 11: refuses a body over the limit with 413 naming it, by Content-Length or while streaming', async () => {
    const huge = JSON.stringify({ prompt: 'x', spec: 'y'.repeat(LIMIT * 4) });
    const declared = await daemon.api('/jobs', { method: 'POST', body: huge, headers: { 'content-type': 'application/json' } });
    expect(declared.status).toBe(413);
    const body = (await declared.json()) as ErrorAnswer;
    expect(body.error).toMatchObject({ code: 'payload_too_large', data: { limitBytes: LIMIT } });
    expect(body.error.message).toContain(String(LIMIT));

    // Chunked, with no Content-Length: counted as it arrives.
    const chunk = new TextEncoder().encode('y'.repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= LIMIT * 64) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const streamed = await daemon.api('/v1/chat/completions', {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // It stopped reading long before the sender was done.
    expect(sent).toBeLessThan(LIMIT * 64);
    expect(readdirSync(join(daemon.home, 'jobs'))).toEqual([]);
    // A body under the limit is still read.
    expect((await daemon.api('/jobs', { method: 'POST', json: { prompt: '' } })).status).toBe(400);
  });

  it('item 12: refuses max_tokens beyond the context window, naming the field, and caps what fits', async () => {
    const ask = (extra: Record<string, unknown>) =>
      daemon.api('/v1/chat/completions', { method: 'POST', json: { model: 'master', messages: [{ role: 'user', content: 'Count.' }], ...extra } });
    for (const field of ['max_tokens', 'max_completion_tokens']) {
      const huge = await ask({ [field]: 1e12 });
      expect(huge.status).toBe(400);
      const error = ((await huge.json()) as ErrorAnswer).error;
      expect(error).toMatchObject({ code: 'bad_request', data: { field, contextSize: 512 } });
      expect(error.message).toContain('512-token context window');
    }
    const whole = await ask({ max_tokens: 512 });
    expect(whole.status).toBe(200);
    const answer = (await whole.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    expect(answer.usage.prompt_tokens + answer.usage.completion_tokens).toBeLessThanOrEqual(512);
  });

  it('item 13: a bad grammar and an invalid response_format schema are the client\'s error: 400 naming the field', async () => {
    const ask = (extra: Record<string, unknown>) =>
      daemon.api('/v1/chat/completions', { method: 'POST', json: { model: 'worker', messages: [{ role: 'user', content: 'Yes?' }], max_tokens: 8, ...extra } });
    for (const grammar of ['root ::= foo', 'root ::= [a-', 'nonsense']) {
      const res = await ask({ grammar });
      expect(res.status, grammar).toBe(400);
      expect(((await res.json()) as ErrorAnswer).error).toMatchObject({ code: 'bad_request', data: { field: 'grammar' } });
    }
    for (const schema of [{ type: 'objekt' }, { type: 'object', properties: 5 }, { type: 'object', required: 'name' }]) {
      const res = await ask({ response_format: { type: 'json_schema', json_schema: { name: 'n', schema } } });
      expect(res.status, JSON.stringify(schema)).toBe(400);
      expect(((await res.json()) as ErrorAnswer).error).toMatchObject({ code: 'bad_request', data: { field: 'response_format.json_schema.schema' } });
    }
    // The grammar cache did not keep the daemon from answering a good one afterwards.
    expect((await ask({ grammar: 'root ::= "yes" | "no"' })).status).toBe(200);
  });

  it('item 15: refuses control characters, bidi overrides and lone surrogates in free text, naming the field and position', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ prompt: 'make \u001b[2J an app' }, 'prompt', 'U+001B at position 5'],
      [{ prompt: 'make an app\u202e' }, 'prompt', 'U+202E at position 11'],
      [{ prompt: 'lone \ud800 surrogate' }, 'prompt', 'U+D800 at position 5'],
      [{ prompt: 'ok', spec: 'GET /x\u0000' }, 'spec', 'U+0000 at position 6'],
    ];
    for (const [json, field, where] of cases) {
      const res = await daemon.api('/jobs', { method: 'POST', json });
      expect(res.status, where).toBe(400);
      const error = ((await res.json()) as ErrorAnswer).error;
      expect(error.data?.field).toBe(field);
      expect(error.message).toContain(where);
    }
    const cancel = await daemon.api('/jobs/jnope/cancel', { method: 'POST', json: { reason: 'bye\u0007' } });
    expect(((await cancel.json()) as ErrorAnswer).error.data?.field).toBe('reason');
    // Tabs, newlines, accents, emoji and right-to-left letters are text: this prompt passes, and the spec's error comes next.
    const fine = await daemon.api('/jobs', { method: 'POST', json: { prompt: 'Build\ta café app 🚀\nשלום', spec: 'openapi: 3.0.3\ninfo: {version: "1"}\npaths: {}\n' } });
    expect(((await fine.json()) as ErrorAnswer).error.data?.field).toBe('spec');
    expect(readdirSync(join(daemon.home, 'jobs'))).toEqual([]);
  });
});
