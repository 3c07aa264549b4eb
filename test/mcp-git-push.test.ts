import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, callTool, connectServer, errorText, jobContext } from './helpers/mcp.js';
import { tempDir } from './helpers/env.js';

// git_push to a real smart-HTTP remote: git's own http-backend behind a tiny CGI bridge.
const BACKEND = '/usr/lib/git-core/git-http-backend';
const home = tempDir('mcp-push');
let server: Server;
let remoteUrl: string;

beforeAll(async () => {
  if (!existsSync(BACKEND)) return;
  const bare = join(home.path, 'remote.git');
  execFileSync('git', ['init', '--bare', '--quiet', '--initial-branch=main', bare]);
  execFileSync('git', ['-C', bare, 'config', 'http.receivepack', 'true']);
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const cgi = spawn(BACKEND, [], {
      env: {
        GIT_PROJECT_ROOT: home.path,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let started = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (started) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      started = true;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const [key, ...value] = line.split(': ');
        if (key?.toLowerCase() === 'status') res.statusCode = Number.parseInt(value.join(': '), 10);
        else if (key) res.setHeader(key, value.join(': '));
      }
      res.write(head.subarray(end + 4));
    });
    cgi.stdout.on('end', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  remoteUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/remote.git`;
});
afterAll(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  home.cleanup();
});

describe('git_push', () => {
  it.skipIf(!existsSync(BACKEND))('pushes a branch to a configured remote, and nowhere else', async () => {
    const ctx = jobContext(join(home.path, 'jobs'), 'jpush', { gitRemotes: { origin: remoteUrl } });
    const fs = await connectServer('filesystem', ctx);
    const git = await connectServer('git', ctx);
    await callOk(git, 'git_init', {});
    await callOk(fs, 'write_file', { path: 'app.js', content: 'console.log(1)\n' });
    const { commit } = await callOk<{ commit: string }>(git, 'git_commit', { message: 'first' });
    expect(await callOk(git, 'git_push', { remote: 'origin' })).toEqual({ remote: 'origin', ref: 'main', ok: true });
    expect(execFileSync('git', ['-C', join(home.path, 'remote.git'), 'rev-parse', 'main']).toString().trim()).toBe(commit);
    expect(errorText(await callTool(git, 'git_push', { remote: 'upstream' }))).toContain('use one of: origin');
    await fs.close();
    await git.close();
  });
});
