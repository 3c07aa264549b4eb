import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_SERVER_NAMES } from '../actors/mcp/registry.js';
import { stopDaemon } from '../cli/daemon-process.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { REPO_ROOT, tempDir } from './helpers/env.js';
import { seedJob } from './helpers/seed-job.js';

// Issue 14 item 16: an MCP call naming a job that does not exist is answered "not found" and creates nothing
// (before, it made jobs/<id>/repo, a database and a memory table for any id).
const BIN = join(REPO_ROOT, 'bin', 'autodev.js');
const run = promisify(execFile);

/** A tools/call that would write, for each server: what a client sends first in practice is initialize, but any request must be refused. */
const CALLS: Record<string, { name: string; arguments: Record<string, unknown> }> = {
  filesystem: { name: 'write_file', arguments: { path: 'a.txt', content: 'x' } },
  git: { name: 'git_init', arguments: {} },
  database: { name: 'execute_query', arguments: { sql: 'CREATE TABLE t (a)' } },
  memory: { name: 'store_knowledge', arguments: { content: 'x', metadata: { type: 'code', source: 'a' } } },
  sequential_thinking: { name: 'plan_steps', arguments: { taskId: 't1', goal: 'g', steps: [{ title: 'one' }] } },
  time: { name: 'schedule_trigger', arguments: { triggerId: 'x', delayMs: 60_000 } },
  fetch: { name: 'download_file', arguments: { url: 'http://127.0.0.1:9/', path: 'a.txt' } },
};

describe('HTTP: /mcp/NAME?job=UNKNOWN', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startTestDaemon({ gpu: 'cpu', localWorkers: false });
    await seedJob(join(daemon.home, 'jobs'), 'jknown');
  });
  afterAll(() => daemon?.cleanup());

  const post = (name: string, job: string, body: unknown) =>
    daemon.api(`/mcp/${name}?job=${job}`, { method: 'POST', json: body, headers: { accept: 'application/json, text/event-stream' } });

  it('answers 404 for every server and every request, and creates no job folder', async () => {
    for (const name of MCP_SERVER_NAMES) {
      const call = await post(name, 'jnosuch', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: CALLS[name] });
      expect(call.status, name).toBe(404);
      expect(await call.json(), name).toEqual({ error: { code: 'not_found', message: expect.stringContaining('no job "jnosuch"') } });
      const list = await post(name, 'jnosuch', { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
      expect(list.status, name).toBe(404);
    }
    expect(existsSync(join(daemon.home, 'jobs', 'jnosuch'))).toBe(false);
    expect(readdirSync(join(daemon.home, 'jobs')).sort()).toEqual(['jknown']);
  });

  it('still serves a job that exists', async () => {
    const list = await post('time', 'jknown', { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    expect(list.status).toBe(200);
    expect(JSON.stringify(await list.json())).toContain('convert_timezone');
  });
});

describe('stdio: autodev mcp serve --job UNKNOWN', () => {
  let home: { path: string; cleanup: () => void };
  beforeAll(() => {
    home = tempDir('sec-mcp-unknown');
  });
  // `mcp list` asks the daemon, which it starts for this home.
  afterAll(async () => {
    if (home) await stopDaemon(home.path);
    home?.cleanup();
  });

  it('exits with a clear error and creates nothing', async () => {
    await Promise.all(
      ['database', 'git', 'filesystem'].map(async (name) => {
        const failure = await run(process.execPath, [BIN, 'mcp', 'serve', name, '--job', 'jnosuch', '--home', home.path], { timeout: 60_000 }).catch(
          (e: { code: number; stderr: string }) => e,
        );
        expect(failure, name).toMatchObject({ code: 2, stderr: expect.stringContaining('no job "jnosuch"') });
      }),
    );
    expect(existsSync(join(home.path, 'jobs', 'jnosuch'))).toBe(false);
    // Listing the tools needs no job.
    const listed = JSON.parse((await run(process.execPath, [BIN, 'mcp', 'list', '--json', '--home', home.path])).stdout) as { servers: unknown[] };
    expect(listed.servers).toHaveLength(MCP_SERVER_NAMES.length);
    expect(existsSync(join(home.path, 'jobs', 'catalog'))).toBe(false);
  });
});
