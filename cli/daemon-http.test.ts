import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hc } from 'hono/client';
import { afterEach, describe, expect, it } from 'vitest';
import { JobView, ProtocolError } from '../proto/index.js';
import type { AppType } from '../daemon/api/app.js';
import { readBody, startLoopbackServer, type LoopbackServer } from '../test/helpers/loopback-http.js';
import { jsonOrThrow, send, type Connection } from './client.js';
import { daemonRequest } from './daemon-http.js';
import { packageRoot } from './daemon-process.js';
import { CliError } from './errors.js';

const view: JobView = { jobId: 'jhttp1', status: 'completed', repo: '/tmp/r', prompt: 'p', createdAt: '2026-01-01T00:00:00.000Z', error: null, tasks: [] };

const servers: LoopbackServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** The daemon's API as far as these tests need it, on a loopback port, recording what it was sent. */
async function loopbackApi(): Promise<{ server: LoopbackServer; seen: Seen[]; connection: Connection }> {
  const seen: Seen[] = [];
  const server = await startLoopbackServer((req, res) => {
    void readBody(req).then((body) => {
      const path = req.url ?? '/';
      seen.push({ method: req.method ?? '', path, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
      const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (path === `/jobs/${view.jobId}` || path === `/jobs/${view.jobId}/cancel`) return json(200, view);
      if (path === '/jobs/big') return json(200, { pad: 'x'.repeat(4096) });
      if (path === '/jobs/gone') return json(404, { error: { code: 'not_found', message: 'no job gone' } });
      res.writeHead(502).end('<html>a proxy page</html>');
    });
  });
  servers.push(server);
  const apiUrl = `${server.url}/`;
  const connection: Connection = { info: { pid: process.pid, apiUrl, natsUrl: 'nats://127.0.0.1:9', tokenFile: '/nonexistent' }, token: 'secret-token', api: hc<AppType>(apiUrl) };
  return { server, seen, connection };
}

describe('the CLI transport over node:http', () => {
  it('sends typed requests to the URLs the typed client builds, with the token and a JSON body', async () => {
    const { seen, connection } = await loopbackApi();
    const got = await jsonOrThrow(await send(connection, connection.api.jobs[':id'], '$get', { param: { id: view.jobId } }), JobView);
    expect(got).toEqual(view);
    await (await send(connection, connection.api.jobs[':id'].cancel, '$post', { param: { id: view.jobId }, json: { reason: 'enough' } })).text();
    expect(seen).toEqual([
      { method: 'GET', path: `/jobs/${view.jobId}`, authorization: 'Bearer secret-token', contentType: undefined, body: '' },
      { method: 'POST', path: `/jobs/${view.jobId}/cancel`, authorization: 'Bearer secret-token', contentType: 'application/json', body: '{"reason":"enough"}' },
    ]);
  });

  it('turns an error body into the ProtocolError it carries, and a body that is not JSON into one naming the status', async () => {
    const { connection } = await loopbackApi();
    const gone = jsonOrThrow(await send(connection, connection.api.jobs[':id'], '$get', { param: { id: 'gone' } }), JobView);
    await expect(gone).rejects.toMatchObject({ name: 'ProtocolError', code: 'not_found', message: 'no job gone' });
    const proxy = jsonOrThrow(await send(connection, connection.api.health, '$get'), JobView);
    await expect(proxy).rejects.toThrow('the daemon answered HTTP 502');
  });

  it('refuses to buffer an answer over its bound, and says so', async () => {
    const { connection } = await loopbackApi();
    const res = await daemonRequest({ method: 'GET', url: connection.api.jobs[':id'].$url({ param: { id: 'big' } }), token: 't', maxBytes: 1024 });
    await expect(res.text()).rejects.toThrow('larger than');
    const capped = await daemonRequest({ method: 'GET', url: connection.api.jobs[':id'].$url({ param: { id: 'big' } }), token: 't', maxBytes: 1024 });
    const error = await jsonOrThrow(capped, JobView).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('internal');
  });

  it('turns a refused connection into the unreachable error (exit code 3) with its hint', async () => {
    const { server, connection } = await loopbackApi();
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const error = await send(connection, connection.api.health, '$get').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(3);
    expect((error as CliError).message).toContain('runs but does not answer (connect ECONNREFUSED');
  });

  it('`autodev status JOB` loads none of undici (fetch, Headers): only node:http', async () => {
    const { connection } = await loopbackApi();
    const home = mkdtempSync(join(tmpdir(), 'autodev-http-'));
    dirs.push(home);
    writeFileSync(join(home, 'token'), 'secret-token\n');
    writeFileSync(join(home, 'daemon.json'), JSON.stringify({ ...connection.info, tokenFile: join(home, 'token') }));
    // Lists, when the process exits, the built-in modules it loaded that fetch would have brought in.
    const hook = `data:text/javascript,import{writeSync}from"node:fs";process.on("exit",()=>writeSync(2,"[loaded] "+JSON.stringify(process.moduleLoadList.filter((m)=>/undici|http2|tls/.test(m)))+"\\n"))`;
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [`--import=${hook}`, join(packageRoot(), 'bin', 'autodev.js'), 'status', view.jobId], {
        env: { ...process.env, AUTODEV_HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`job ${view.jobId}: completed`);
    const loaded = /\[loaded\] (.*)/.exec(run.stderr)?.[1];
    expect(loaded, run.stderr).toBeDefined();
    expect(JSON.parse(loaded ?? 'null')).toEqual([]);
  });
});
