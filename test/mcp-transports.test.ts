import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_SERVER_NAMES, type McpServerName } from '../actors/mcp/registry.js';
import { createSubjects } from '../proto/subjects.js';
import { TriggerFired } from '../proto/trigger.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { REPO_ROOT } from './helpers/env.js';
import { callOk, callTool, errorText } from './helpers/mcp.js';
import { seedJob } from './helpers/seed-job.js';

// The servers as outside clients reach them: `autodev mcp serve` over stdio (needs dist/, built by `npx tsc`),
// Streamable HTTP on the daemon's API, and the MCP Inspector's CLI.
const BIN = join(REPO_ROOT, 'bin', 'autodev.js');

/** One call per server that must work, and one bad input per tool is checked separately below. */
const SMOKE: Record<McpServerName, { tool: string; args: Record<string, unknown>; expect: Record<string, unknown> }> = {
  filesystem: { tool: 'write_file', args: { path: 'notes/a.txt', content: 'hello' }, expect: { path: 'notes/a.txt', bytes: 5 } },
  // The job's outside clone already exists when a server is connected, so git_init has nothing to create.
  git: { tool: 'git_status', args: {}, expect: { branch: 'main' } },
  database: { tool: 'execute_query', args: { sql: 'SELECT 6 * 7 AS answer' }, expect: { rows: [{ answer: 42 }] } },
  sequential_thinking: { tool: 'plan_steps', args: { taskId: 't1', goal: 'g', steps: [{ title: 'one' }] }, expect: { plan: expect.objectContaining({ current: 0 }) } },
  time: { tool: 'convert_timezone', args: { time: '2024-07-01T00:00:00Z', to: 'Europe/Paris' }, expect: { local: '2024-07-01 02:00:00', offsetMinutes: 120 } },
  fetch: { tool: 'fetch_url', args: { url: 'http://127.0.0.1:9/' }, expect: {} },
  memory: { tool: 'store_knowledge', args: { content: 'uses sqlite for storage', metadata: { type: 'code', source: 'src/db.js' } }, expect: { record: expect.objectContaining({ content: 'uses sqlite for storage' }) } },
};

async function exercise(client: Client, name: McpServerName): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.length, name).toBeGreaterThan(0);
  const smoke = SMOKE[name];
  if (name === 'fetch') {
    // Loopback is denied by default, over every transport.
    expect(errorText(await callTool(client, smoke.tool, smoke.args))).toContain('private or loopback');
  } else {
    expect(await callOk(client, smoke.tool, smoke.args), name).toMatchObject(smoke.expect);
  }
  for (const tool of tools) {
    const bad = await callTool(client, tool.name, { not_an_argument: true });
    expect(bad.isError, `${name}.${tool.name}`).toBe(true);
    expect(errorText(bad)).toContain('Input validation error');
  }
}

describe('stdio: autodev mcp serve, relayed to the daemon', () => {
  let daemon: TestDaemon;
  let home: { path: string };
  // execute_code runs in the daemon's sandbox; bubblewrap needs no engine or image.
  beforeAll(async () => {
    daemon = await startTestDaemon({ gpu: 'cpu', localWorkers: false, sandbox: { backend: 'bubblewrap' } });
    home = { path: daemon.home };
    // The servers serve existing jobs only.
    for (const job of ['jstdio', 'jinspect']) await seedJob(join(daemon.home, 'jobs'), job);
  });
  afterAll(() => daemon?.cleanup());

  it('serves every server over stdio to a real MCP client', async () => {
    // Side by side: each is its own process, and most of their time is Node starting up.
    await Promise.all(
      MCP_SERVER_NAMES.map(async (name) => {
        const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', 'serve', name, '--job', 'jstdio', '--home', home.path], stderr: 'pipe' });
        const client = new Client({ name: 'autodev-test', version: '0.0.0' });
        await client.connect(transport);
        await exercise(client, name);
        await client.close();
      }),
    );
    // Written by the daemon into the job's outside clone, never into the job's own repository.
    expect(readFileSync(join(home.path, 'jobs', 'jstdio', 'outside', 'notes', 'a.txt'), 'utf8')).toBe('hello');
    expect(existsSync(join(home.path, 'jobs', 'jstdio', 'repo', 'notes'))).toBe(false);
    // The sandboxed run sees the file written through MCP at /workspace.
    const fs = new Client({ name: 'autodev-test', version: '0.0.0' });
    await fs.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', 'serve', 'filesystem', '--job', 'jstdio', '--home', home.path], stderr: 'pipe' }));
    expect(await callOk(fs, 'execute_code', { language: 'sh', code: 'cat /workspace/notes/a.txt' })).toMatchObject({ exitCode: 0, stdout: 'hello', backend: 'bubblewrap' });
    await fs.close();
  });

  it('is driven by the MCP Inspector CLI, a client nobody here wrote', async () => {
    const inspector = join(REPO_ROOT, 'node_modules', '.bin', 'mcp-inspector');
    const server = [process.execPath, BIN, 'mcp', 'serve', 'time', '--job', 'jinspect', '--home', home.path];
    const run = promisify(execFile);
    const [list, call] = await Promise.all([
      run(inspector, ['--cli', ...server, '--method', 'tools/list'], { timeout: 90_000 }),
      run(inspector, ['--cli', ...server, '--method', 'tools/call', '--tool-name', 'convert_timezone', '--tool-arg', 'time=2024-01-15T12:00:00Z', '--tool-arg', 'to=Asia/Tokyo'], { timeout: 90_000 }),
    ]);
    const listed = JSON.parse(list.stdout) as { tools: Array<{ name: string }> };
    expect(listed.tools.map((t) => t.name)).toEqual(['now', 'convert_timezone', 'schedule_trigger', 'cancel_trigger', 'list_triggers']);
    const called = JSON.parse(call.stdout) as { structuredContent: unknown };
    expect(called.structuredContent).toEqual({ iso: '2024-01-15T12:00:00.000Z', timezone: 'Asia/Tokyo', local: '2024-01-15 21:00:00', offsetMinutes: 540 });
  });

  it('says what is wrong with a bad serve command', async () => {
    const run = promisify(execFile);
    const failure = await run(process.execPath, [BIN, 'mcp', 'serve', 'nope', '--job', 'j1', '--home', home.path]).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining('no MCP server "nope"') });
    const listed = JSON.parse((await run(process.execPath, [BIN, 'mcp', 'list', '--json', '--home', home.path])).stdout) as { servers: Array<{ server: string; tools: unknown[] }> };
    expect(listed.servers.map((s) => s.server)).toEqual([...MCP_SERVER_NAMES]);
  });
});

describe('Streamable HTTP: /mcp/NAME on the daemon API', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startTestDaemon({ gpu: 'cpu', localWorkers: false });
    for (const job of ['jhttp', 'jstdio']) await seedJob(join(daemon.home, 'jobs'), job);
  });
  afterAll(() => daemon?.cleanup());

  const httpClient = async (name: string, token = daemon.token) => {
    const transport = new StreamableHTTPClientTransport(new URL(`${daemon.apiUrl}/mcp/${name}?job=jhttp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
    const client = new Client({ name: 'autodev-test', version: '0.0.0' });
    await client.connect(transport);
    return client;
  };

  it('serves every server with the API token, and nothing without it', async () => {
    for (const name of MCP_SERVER_NAMES) {
      const client = await httpClient(name);
      await exercise(client, name);
      await client.close();
    }
    await expect(httpClient('time', 'wrong-token')).rejects.toThrow(/401|unauthorized/i);
    const unknown = await daemon.api('/mcp/nope?job=jhttp', { method: 'POST', json: {} });
    expect(unknown.status).toBe(404);
    const noJob = await daemon.api('/mcp/time', { method: 'POST', json: {} });
    expect(noJob.status).toBe(400);
    expect(await noJob.text()).toContain('?job=JOB');
  });

  it('keeps plans across HTTP requests and publishes triggers on the daemon NATS', async () => {
    const thinking = await httpClient('sequential_thinking');
    expect(await callOk(thinking, 'execute_step', { taskId: 't1', result: 'done' })).toMatchObject({ step: { index: 0, status: 'in_progress' } });
    await thinking.close();

    const nc = await connect({ servers: daemon.natsUrl, user: 'autodev', pass: daemon.token });
    const sub = nc.subscribe(createSubjects().trigger('jhttp', 'ping'), { max: 1 });
    const time = await httpClient('time');
    await callOk(time, 'schedule_trigger', { triggerId: 'ping', delayMs: 20, payload: { hello: 'world' } });
    for await (const msg of sub) {
      expect(TriggerFired.parse(JSON.parse(new TextDecoder().decode(msg.data)))).toMatchObject({ jobId: 'jhttp', triggerId: 'ping', count: 1, payload: { hello: 'world' } });
    }
    await time.close();

    // `autodev mcp serve time` beside a running daemon publishes on that daemon's NATS.
    const fromStdio = nc.subscribe(createSubjects().trigger('jstdio', 'pong'), { max: 1 });
    const stdio = new Client({ name: 'autodev-test', version: '0.0.0' });
    await stdio.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', 'serve', 'time', '--job', 'jstdio', '--home', daemon.home], stderr: 'pipe' }));
    await callOk(stdio, 'schedule_trigger', { triggerId: 'pong', delayMs: 0 });
    for await (const msg of fromStdio) {
      expect(TriggerFired.parse(JSON.parse(new TextDecoder().decode(msg.data)))).toMatchObject({ jobId: 'jstdio', triggerId: 'pong', count: 1 });
    }
    await stdio.close();
    await nc.close();
  });
});
