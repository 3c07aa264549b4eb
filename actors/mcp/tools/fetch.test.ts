import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool } from '../tool.js';
import { downloadFile, fetchUrl, type FetchToolDeps } from './fetch.js';

let server: Server;
let base: string;
let dir: string;
const limits = { timeoutMs: 5000, maxBytes: 1024 * 1024, maxRedirects: 2 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autodev-fetch-tools-'));
  server = createServer((req, res) => {
    if (req.url === '/gone') return void res.writeHead(404).end('no');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`you asked for ${req.url}`);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

describe('fetch tools, called as definitions', () => {
  it('GETs a real local server when the policy allows private addresses, and downloads into the workspace', async () => {
    const deps: FetchToolDeps = { policy: { allow: [], deny: [], allowPrivateAddresses: true }, limits, workspace: dir };
    expect(await callTool(fetchUrl, { url: `${base}/hello`, maxChars: 14 }, deps)).toEqual({
      url: `${base}/hello`,
      status: 200,
      contentType: 'text/plain',
      bytes: 20,
      text: 'you asked for ',
      truncated: true,
    });
    expect(await callTool(downloadFile, { url: `${base}/file`, path: 'docs/file.txt' }, deps)).toMatchObject({ path: 'docs/file.txt', bytes: 19, status: 200 });
    expect(readFileSync(join(dir, 'docs', 'file.txt'), 'utf8')).toBe('you asked for /file');
    await expect(callTool(downloadFile, { url: `${base}/gone`, path: 'gone.txt' }, deps)).rejects.toThrow(/answered HTTP 404; nothing was written/);
  });

  it('refuses the same server under the default policy: loopback is private', async () => {
    const deps: FetchToolDeps = { policy: { allow: [], deny: [], allowPrivateAddresses: false }, limits, workspace: dir };
    await expect(callTool(fetchUrl, { url: `${base}/hello` }, deps)).rejects.toThrow(/private|loopback|not allowed|denied/i);
  });
});
