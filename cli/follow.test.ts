import { hc } from 'hono/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobEvent, JobView } from '../proto/index.js';
import type { AppType } from '../daemon/api/app.js';
import { startLoopbackServer, type LoopbackServer } from '../test/helpers/loopback-http.js';
import type { Connection } from './client.js';
import type { CommandContext } from './command.js';
import { describeEvent, followJob } from './follow.js';

const jobId = 'jfollow1';
const at = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;

const events: JobEvent[] = [
  { type: 'job.submitted', jobId, at: at(0), prompt: 'p', hasSpec: false, repo: '/tmp/r' },
  { type: 'job.planned', jobId, at: at(1), tasks: [{ id: 't1', type: 'backend', description: 'API', dependencies: [], priority: 5 }] },
  { type: 'task.dispatched', jobId, taskId: 't1', at: at(2), role: 'backend', attempt: 1 },
  { type: 'job.failed', jobId, at: at(3), error: { code: 'task_failed', message: 'task t1 failed' } },
];

const finalView: JobView = {
  jobId, status: 'failed', repo: '/tmp/r', prompt: 'p', createdAt: at(0),
  error: { code: 'task_failed', message: 'task t1 failed' }, tasks: [{ id: 't1', type: 'backend', status: 'failed', attempts: 1 }],
};

const servers: LoopbackServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/**
 * A daemon's API on a loopback port whose event stream, like the real one,
 * stays open after the job's last event: the watcher must stop on the
 * terminal event itself, and close the stream.
 */
async function loopbackApi(): Promise<{ connection: Connection; streamClosed: () => boolean }> {
  let closed = false;
  const server = await startLoopbackServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === `/jobs/${jobId}/events`) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of events) res.write(`data: ${JSON.stringify(event)}\n\n`);
      res.once('close', () => (closed = true));
      return;
    }
    if (path === `/jobs/${jobId}`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(finalView));
      return;
    }
    res.writeHead(404).end('not found');
  });
  servers.push(server);
  const apiUrl = `${server.url}/`;
  return {
    connection: { info: { pid: process.pid, apiUrl, natsUrl: 'nats://127.0.0.1:9', tokenFile: '/nonexistent' }, token: 't', api: hc<AppType>(apiUrl) },
    streamClosed: () => closed,
  };
}

function context(interactive: boolean): { ctx: CommandContext; lines: string[]; written: string[] } {
  const lines: string[] = [];
  const written: string[] = [];
  return { ctx: { home: '/nonexistent', json: false, interactive, out: (l) => lines.push(l), err: () => {}, write: (t) => written.push(t) }, lines, written };
}

describe('followJob', () => {
  it('prints one line per event and returns the final view once the job ends, though the stream stays open', async () => {
    const daemon = await loopbackApi();
    const { ctx, lines } = context(false);
    const view = await followJob(ctx, daemon.connection, jobId, true);
    expect(view).toEqual(finalView);
    expect(lines).toEqual([
      `${at(0)} job.submitted`,
      `${at(1)} job.planned`,
      `${at(2)} t1 task.dispatched`,
      `${at(3)} job.failed: task t1 failed`,
    ]);
    await vi.waitFor(() => expect(daemon.streamClosed()).toBe(true));
  });

  it('redraws the task tree from the watch store on a terminal', async () => {
    const { ctx, written } = context(true);
    await followJob(ctx, (await loopbackApi()).connection, jobId, true);
    expect(written.at(-1)).toContain(`job ${jobId}: failed`);
    expect(written.at(-1)).toContain('▶ t1 [backend] API  dispatched');
    expect(written.at(-1)).toContain('error: task t1 failed');
  });

  it('names a validation stage and its outcome on a line of its own, with why when it did not pass', () => {
    const stage = (status: 'passed' | 'failed' | 'unverified', reason: string | null) => describeEvent({
      type: 'validation.stage', jobId, taskId: 't1', at: at(4), attempt: 2,
      result: { stage: 'unit_tests', status, durationMs: 5, summary: '3 of 3 tests passed', reason, failures: [], warnings: [], metrics: {} },
    });
    expect(stage('passed', null)).toBe(`${at(4)} t1 validation.stage: unit_tests passed: 3 of 3 tests passed (attempt 2)`);
    expect(stage('failed', '1 test failed: GET /todos')).toBe(`${at(4)} t1 validation.stage: unit_tests failed: 1 test failed: GET /todos (attempt 2)`);
    expect(stage('unverified', 'the project has no unit tests')).toContain('unit_tests unverified: the project has no unit tests');
  });
});
