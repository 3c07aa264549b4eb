import { hc } from 'hono/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent, JobStatus, JobView } from '../proto/index.js';
import type { AppType } from '../daemon/api/app.js';
import { startLoopbackServer, type LoopbackServer } from '../test/helpers/loopback-http.js';
import type { Connection } from './client.js';
import type { CommandContext } from './command.js';
import { followJob } from './follow.js';
import { exitCodeForJob } from './job-read.js';

const jobId = 'jforged1';
const at = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;

// What anyone allowed to publish on the bus could append: a win the job never had.
const events: JobEvent[] = [
  { type: 'job.submitted', jobId, at: at(0), prompt: 'p', hasSpec: false, repo: '/tmp/r' },
  { type: 'job.planned', jobId, at: at(1), tasks: [{ id: 't1', type: 'backend', description: 'API', dependencies: [], priority: 5 }] },
  { type: 'job.accepted', jobId, at: at(2), round: 9, passed: 33, total: 33, commit: 'a'.repeat(40) },
  { type: 'job.completed', jobId, at: at(3) },
];

const view = (status: JobStatus): JobView => ({ jobId, status, repo: '/tmp/r', prompt: 'p', createdAt: at(0), error: null, tasks: [{ id: 't1', type: 'backend', status: 'pending', attempts: 0 }] });

const servers: LoopbackServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/**
 * A daemon's API on a loopback port whose event stream carries a forged
 * `job.completed` and then ends (as a daemon that stops its stream on any
 * terminal event does), while the record says `running` for the first
 * `runningReads` reads, then `cancelled`.
 */
async function loopbackApi(runningReads: number) {
  let reads = 0;
  let streams = 0;
  const server = await startLoopbackServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === `/jobs/${jobId}/events`) {
      streams += 1;
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end(events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join(''));
      return;
    }
    if (path === `/jobs/${jobId}`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(view(++reads <= runningReads ? 'running' : 'cancelled')));
      return;
    }
    res.writeHead(404).end('not found');
  });
  servers.push(server);
  const apiUrl = `${server.url}/`;
  const connection: Connection = { info: { pid: process.pid, apiUrl, natsUrl: 'nats://127.0.0.1:9', tokenFile: '/nonexistent' }, token: 't', api: hc<AppType>(apiUrl) };
  return { connection, reads: () => reads, streams: () => streams };
}

function context(): { ctx: CommandContext; lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { ctx: { home: '/nonexistent', json: false, interactive: false, out: (l) => lines.push(l), err: (l) => errors.push(l), write: () => {} }, lines, errors };
}

describe('followJob against forged events', () => {
  it('does not end on a forged job.completed: it waits until the record ends, showing each event once', async () => {
    const daemon = await loopbackApi(3);
    const { ctx, lines, errors } = context();
    const final = await followJob(ctx, daemon.connection, jobId, true, { recheckMs: 10 });
    expect(final.status).toBe('cancelled');
    expect(exitCodeForJob(final)).toBe(1);
    expect(daemon.reads()).toBe(4);
    // The stream was opened again after it ended, and its replay was not shown twice.
    expect(daemon.streams()).toBeGreaterThan(1);
    expect(lines.filter((l) => l.endsWith('job.completed'))).toHaveLength(1);
    expect(errors[0]).toContain(`got job.completed for ${jobId}, but its record says running`);
  });

  it('counts only a completed record as success', () => {
    expect(exitCodeForJob(view('completed'))).toBe(0);
    for (const status of ['planning', 'running', 'integrating', 'failed', 'cancelled'] as const) expect(exitCodeForJob(view(status))).toBe(1);
  });
});
