import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicTransport } from '../actors/llm/anthropic-transport.js';
import { ApiLanguageModel } from '../actors/llm/api-model.js';
import { OpenAiTransport } from '../actors/llm/openai-transport.js';
import { createLogger } from '../actors/log/logger.js';
import { generateFiles } from '../actors/worker/generate-files.js';
import { McpSettings } from '../daemon/mcp/settings.js';
import { createWorkerTools } from '../daemon/mcp/worker-tools.js';
import type { RepoSnapshot, WorkRequest } from '../proto/index.js';
import { readBody, startLoopbackServer, type LoopbackServer } from './helpers/loopback-http.js';

// API models call the worker's MCP tools through their protocol's own function calling. The remote model is a
// script on a loopback server (no API is reachable here); the tools are the real MCP servers over a scratch copy.
const request: WorkRequest = {
  type: 'work.request',
  jobId: 'japitools',
  taskId: 't1',
  attempt: 1,
  role: 'backend',
  repo: '/nonexistent',
  jobPrompt: 'a todo app',
  description: 'write the server',
  prompt: 'Write server.js',
  validationRules: [],
  maxTokens: 800,
  previousError: null,
  avoidWorker: null,
  snapshot: null,
  tools: ['filesystem.read_file'],
};
const snapshot: RepoSnapshot = { commit: 'c1', files: [{ path: 'README.md', content: '# Todo\nPort 8080' }] };
const FILES = '@@@ SUMMARY server\n@@@ FILE server.js\nlisten(8080)\n@@@ END\n';

type Body = Record<string, unknown> & { messages: Array<Record<string, unknown>>; tools?: Array<Record<string, unknown>> };

/** A chat API that answers each request with the next scripted reply, keeping every request body. */
async function scriptedApi(replies: Array<(body: Body) => unknown>): Promise<LoopbackServer & { bodies: Body[] }> {
  const bodies: Body[] = [];
  const server = await startLoopbackServer((req, res) => {
    void readBody(req).then((raw) => {
      const body = JSON.parse(raw) as Body;
      bodies.push(body);
      const reply = replies[Math.min(bodies.length, replies.length) - 1]!;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply(body)));
    });
  });
  return Object.assign(server, { bodies });
}

const generate = (model: ApiLanguageModel) =>
  generateFiles(
    {
      model,
      limits: { maxFiles: 2, maxLinesPerFile: 20, maxLineChars: 80, maxSummaryChars: 40 },
      maxTokens: 800,
      contextChars: 4000,
      progress: () => {},
      tools: createWorkerTools({ settings: McpSettings.parse({}), log: createLogger({ write: () => {} }) }),
      toolTokens: 256,
    },
    request,
    snapshot,
    new AbortController().signal,
  );

describe('function calling over HTTP chat APIs', () => {
  let api: (LoopbackServer & { bodies: Body[] }) | null = null;
  afterEach(async () => api?.close());

  it('OpenAI tool_calls: runs each call on the MCP tools, answers bad ones with their error, and the results reach the file prompt', async () => {
    const openai = (message: Record<string, unknown>, tokens = 5) => () => ({ choices: [{ message, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: tokens } });
    api = await scriptedApi([
      openai({
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'filesystem__read_file', arguments: '{"path":"README.md"}' } },
          { id: 'c2', type: 'function', function: { name: 'filesystem__read_file', arguments: '{"path":' } },
          { id: 'c3', type: 'function', function: { name: 'shell__run', arguments: '{}' } },
        ],
      }),
      openai({ content: 'read the README' }),
      openai({ content: FILES }, 20),
    ]);
    const model = new ApiLanguageModel(new OpenAiTransport({ baseUrl: api.url, model: 'gpt-test', timeoutMs: 10_000, maxRetries: 0 }));
    const result = await generate(model);

    const [first, second, third] = api.bodies;
    expect(first?.tools?.map((t) => (t.function as { name: string }).name)).toEqual(['filesystem__read_file']);
    expect((first?.tools?.[0]?.function as { parameters: { type: string } }).parameters.type).toBe('object');
    const turns = second?.messages ?? [];
    expect(turns.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool', 'tool']);
    expect((turns[2]?.tool_calls as unknown[]).length).toBe(3);
    const answers = Object.fromEntries(turns.slice(3).map((m) => [m.tool_call_id, String(m.content)]));
    expect(answers.c1).toContain('Port 8080');
    expect(answers.c2).toContain('not valid JSON');
    expect(answers.c3).toContain('there is no function');
    expect(answers.c3).toContain('shell__run');
    // The file-writing request has no tools, and carries what the calls answered.
    expect(third?.tools).toBeUndefined();
    expect(String(third?.messages.at(-1)?.content)).toContain('Tool results:');
    expect(String(third?.messages.at(-1)?.content)).toContain('Port 8080');
    expect(result.files).toEqual([{ path: 'server.js', content: 'listen(8080)\n' }]);
    expect(result.tokens).toBe(5 + 5 + 20);
  });

  it('Anthropic tool_use: results go back as tool_result blocks in one user turn', async () => {
    const anthropic = (content: unknown[], stop = 'end_turn') => () => ({ content, stop_reason: stop, usage: { input_tokens: 10, output_tokens: 4 } });
    api = await scriptedApi([
      anthropic(
        [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'tu1', name: 'filesystem__read_file', input: { path: 'README.md' } },
          { type: 'tool_use', id: 'tu2', name: 'filesystem__read_file', input: { path: '../etc/passwd' } },
        ],
        'tool_use',
      ),
      anthropic([{ type: 'text', text: 'ok' }]),
      anthropic([{ type: 'text', text: FILES }]),
    ]);
    const model = new ApiLanguageModel(new AnthropicTransport({ baseUrl: api.url, model: 'claude-test', apiKey: 'k', timeoutMs: 10_000, maxRetries: 0 }));
    const result = await generate(model);

    const [first, second] = api.bodies;
    expect(first?.tools?.[0]).toMatchObject({ name: 'filesystem__read_file', input_schema: { type: 'object' } });
    const turns = second?.messages as Array<{ role: string; content: unknown }>;
    expect(turns.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(turns[1]?.content).toEqual([
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'tu1', name: 'filesystem__read_file', input: { path: 'README.md' } },
      { type: 'tool_use', id: 'tu2', name: 'filesystem__read_file', input: { path: '../etc/passwd' } },
    ]);
    const results = turns[2]?.content as Array<{ type: string; tool_use_id: string; content: string }>;
    expect(results.map((r) => [r.type, r.tool_use_id])).toEqual([
      ['tool_result', 'tu1'],
      ['tool_result', 'tu2'],
    ]);
    expect(results[0]?.content).toContain('Port 8080');
    // The filesystem server refuses a path outside the workspace; the model is told, the phase goes on.
    expect(results[1]?.content).toMatch(/outside|escape|not allowed|workspace/i);
    expect(result.files[0]?.path).toBe('server.js');
  });

  it('stops a model that only ever calls tools after its rounds, keeping the calls it made', async () => {
    api = await scriptedApi([
      () => ({
        choices: [{ message: { content: null, tool_calls: [{ id: 'loop', type: 'function', function: { name: 'echo', arguments: '{"n":1}' } }] }, finish_reason: 'tool_calls' }],
        usage: { prompt_tokens: 3, completion_tokens: 2 },
      }),
    ]);
    const model = new ApiLanguageModel(new OpenAiTransport({ baseUrl: api.url, model: 'gpt-test', timeoutMs: 10_000, maxRetries: 0 }), { maxToolRounds: 3 });
    let ran = 0;
    const answer = await model.generateWithFunctions({
      system: 's',
      prompt: 'p',
      maxTokens: 100,
      functions: { echo: { description: 'echoes', parameters: { type: 'object', properties: { n: { type: 'number' } } }, handler: async (args) => ({ ran: ++ran, args }) } },
    });
    expect(api.bodies).toHaveLength(3);
    expect(answer.calls).toHaveLength(3);
    expect(answer.calls[2]).toEqual({ name: 'echo', args: { n: 1 }, result: { ran: 3, args: { n: 1 } } });
    expect(answer).toMatchObject({ value: '', tokens: 6, truncated: true });
  });
});
