import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_SERVER_NAMES } from '../actors/mcp/registry.js';
import { callOk, callTool, connectServer, errorText, jobContext } from './helpers/mcp.js';
import { tempDir } from './helpers/env.js';

// Every safety rule of the MCP servers, each its own test, through a real MCP client and real servers.
const home = tempDir('mcp-safety');
const jobsDir = join(home.path, 'jobs');
let site: { server: Server; url: string };

beforeAll(async () => {
  // A loopback site: a page, a slow answer and a large one.
  const server = createServer((req, res) => {
    if (req.url === '/slow') {
      setTimeout(() => res.end('late'), 3000).unref();
      return;
    }
    if (req.url === '/big') {
      res.setHeader('content-type', 'text/plain');
      // No content-length: the limit must hold while streaming.
      for (let i = 0; i < 64; i++) res.write('x'.repeat(1024));
      res.end();
      return;
    }
    res.setHeader('content-type', 'text/html');
    res.end('<html><head><title>Docs</title></head><body><h1>Hello</h1><p>world</p></body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
});

afterAll(async () => {
  site.server.closeAllConnections();
  await new Promise<void>((resolve) => site.server.close(() => resolve()));
  home.cleanup();
});

describe('filesystem confinement', () => {
  let fs: Client;
  let workspace: string;
  beforeAll(async () => {
    const ctx = jobContext(jobsDir, 'jfs');
    workspace = ctx.workspace;
    fs = await connectServer('filesystem', ctx);
    await callOk(fs, 'write_file', { path: 'src/ok.txt', content: 'inside' });
  });
  afterAll(() => fs.close());

  it('rejects paths with ..', async () => {
    for (const path of ['../outside.txt', 'src/../../outside.txt', 'src/..']) {
      const read = await callTool(fs, 'read_file', { path });
      expect(read.isError, path).toBe(true);
      expect(errorText(read)).toContain('".."');
      expect((await callTool(fs, 'write_file', { path, content: 'x' })).isError).toBe(true);
    }
    expect(existsSync(join(jobsDir, 'jfs', 'outside.txt'))).toBe(false);
  });

  it('rejects absolute paths outside the workspace, and accepts ones inside', async () => {
    const outside = await callTool(fs, 'read_file', { path: '/etc/passwd' });
    expect(outside.isError).toBe(true);
    expect(errorText(outside)).toContain('outside the workspace');
    expect((await callTool(fs, 'write_file', { path: join(home.path, 'escape.txt'), content: 'x' })).isError).toBe(true);
    expect(existsSync(join(home.path, 'escape.txt'))).toBe(false);
    const inside = await callOk<{ content: string }>(fs, 'read_file', { path: join(workspace, 'src/ok.txt') });
    expect(inside.content).toBe('inside');
  });

  it('rejects symlinks that lead out, as a file or as a folder on the way', async () => {
    const secret = join(home.path, 'secret.txt');
    writeFileSync(secret, 'do not read');
    mkdirSync(join(home.path, 'outdir'), { recursive: true });
    symlinkSync(secret, join(workspace, 'link.txt'));
    symlinkSync(join(home.path, 'outdir'), join(workspace, 'linkdir'));
    const read = await callTool(fs, 'read_file', { path: 'link.txt' });
    expect(read.isError).toBe(true);
    expect(errorText(read)).toContain('symbolic link');
    const write = await callTool(fs, 'write_file', { path: 'link.txt', content: 'overwritten' });
    expect(write.isError).toBe(true);
    expect(readFileSync(secret, 'utf8')).toBe('do not read');
    const through = await callTool(fs, 'write_file', { path: 'linkdir/new.txt', content: 'x' });
    expect(through.isError).toBe(true);
    expect(existsSync(join(home.path, 'outdir', 'new.txt'))).toBe(false);
    expect((await callTool(fs, 'list_files', { path: 'linkdir' })).isError).toBe(true);
    expect((await callTool(fs, 'delete_file', { path: 'linkdir/x', recursive: true })).isError).toBe(true);
  });

  it('rejects device files and FIFOs', async () => {
    execFileSync('mkfifo', [join(workspace, 'pipe')]);
    const fifo = await callTool(fs, 'read_file', { path: 'pipe' });
    expect(fifo.isError).toBe(true);
    expect(errorText(fifo)).toContain('not a regular file');
    // A character device made inside the workspace (needs root, which CI has); /dev/zero itself is outside.
    const dev = await callTool(fs, 'read_file', { path: '/dev/zero' });
    expect(dev.isError).toBe(true);
    if (process.getuid?.() === 0) {
      execFileSync('mknod', [join(workspace, 'zero'), 'c', '1', '5']);
      const inside = await callTool(fs, 'read_file', { path: 'zero' });
      expect(inside.isError).toBe(true);
      expect(errorText(inside)).toContain('not a regular file');
      expect((await callTool(fs, 'write_file', { path: 'zero', content: 'x' })).isError).toBe(true);
    }
  });
});

describe('fetch limits and address ranges', () => {
  it('denies loopback and private addresses by default, by IP and by host name', async () => {
    const fetch = await connectServer('fetch', jobContext(jobsDir, 'jfetch'));
    const byIp = await callTool(fetch, 'fetch_url', { url: `${site.url}/` });
    expect(byIp.isError).toBe(true);
    expect(errorText(byIp)).toContain('private or loopback');
    const byName = await callTool(fetch, 'fetch_url', { url: site.url.replace('127.0.0.1', 'localhost') });
    expect(byName.isError).toBe(true);
    expect(errorText(byName)).toContain('private or loopback');
    for (const url of ['http://10.1.2.3/', 'http://[::1]/', 'http://169.254.169.254/latest/meta-data', 'http://[::ffff:127.0.0.1]/']) {
      expect((await callTool(fetch, 'fetch_url', { url })).isError, url).toBe(true);
    }
    expect((await callTool(fetch, 'download_file', { url: `${site.url}/`, path: 'page.html' })).isError).toBe(true);
    await fetch.close();
  });

  it('allows a private address when configured', async () => {
    const fetch = await connectServer('fetch', jobContext(jobsDir, 'jfetch', { fetchPolicy: { allow: [], deny: [], allowPrivateAddresses: true } }));
    const page = await callOk<{ status: number; text: string }>(fetch, 'fetch_url', { url: `${site.url}/` });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Hello</h1>');
    await fetch.close();
  });

  it('enforces the time and size limits', async () => {
    const fetch = await connectServer(
      'fetch',
      jobContext(jobsDir, 'jfetch', { fetchPolicy: { allow: [], deny: [], allowPrivateAddresses: true }, fetchLimits: { timeoutMs: 300, maxBytes: 16 * 1024, maxRedirects: 1 } }),
    );
    // /slow answers after 3 s: the error, not 'late', shows the 300 ms limit cut it off.
    const slow = await callTool(fetch, 'fetch_url', { url: `${site.url}/slow` });
    expect(slow.isError).toBe(true);
    expect(errorText(slow)).toContain('did not answer within 300 ms');
    expect(JSON.stringify(slow.content)).not.toContain('late');
    const big = await callTool(fetch, 'fetch_url', { url: `${site.url}/big` });
    expect(big.isError).toBe(true);
    expect(errorText(big)).toContain('16384-byte limit');
    const download = await callTool(fetch, 'download_file', { url: `${site.url}/big`, path: 'big.txt' });
    expect(download.isError).toBe(true);
    expect(existsSync(join(jobsDir, 'jfetch', 'repo', 'big.txt'))).toBe(false);
    await fetch.close();
  });

  it('applies the allow-list and deny-list, and refuses other schemes', async () => {
    const allowOnly = await connectServer('fetch', jobContext(jobsDir, 'jfetch', { fetchPolicy: { allow: ['docs.example.org'], deny: [], allowPrivateAddresses: true } }));
    const notListed = await callTool(allowOnly, 'fetch_url', { url: `${site.url}/` });
    expect(errorText(notListed)).toContain('not on the fetch allow-list');
    await allowOnly.close();
    const deny = await connectServer('fetch', jobContext(jobsDir, 'jfetch', { fetchPolicy: { allow: [], deny: ['127.0.0.1'], allowPrivateAddresses: true } }));
    expect(errorText(await callTool(deny, 'fetch_url', { url: `${site.url}/` }))).toContain('deny-list');
    expect(errorText(await callTool(deny, 'fetch_url', { url: 'file:///etc/passwd' }))).toContain('only http and https');
    await deny.close();
  });
});

describe('database read-only mode', () => {
  it('rejects statements that write, and runs the ones that read', async () => {
    const writable = await connectServer('database', jobContext(jobsDir, 'jdb'));
    await callOk(writable, 'create_schema', { name: 'notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);' });
    await callOk(writable, 'seed_data', { table: 'notes', rows: [{ body: 'first' }] });
    await writable.close();

    const ro = await connectServer('database', jobContext(jobsDir, 'jdb', { databaseReadOnly: true }));
    const rows = await callOk<{ rows: Array<{ body: string }> }>(ro, 'execute_query', { sql: 'SELECT body FROM notes' });
    expect(rows.rows).toEqual([{ body: 'first' }]);
    for (const sql of ["INSERT INTO notes (body) VALUES ('x')", 'DELETE FROM notes', 'DROP TABLE notes', 'CREATE TABLE t (a)', "UPDATE notes SET body = 'y'"]) {
      const result = await callTool(ro, 'execute_query', { sql });
      expect(result.isError, sql).toBe(true);
      expect(errorText(result)).toContain('read-only');
    }
    for (const [tool, args] of [
      ['seed_data', { table: 'notes', rows: [{ body: 'x' }] }],
      ['create_schema', { name: 'more', sql: 'CREATE TABLE more (a)' }],
      ['migrate_database', {}],
    ] as const) {
      const result = await callTool(ro, tool, args);
      expect(result.isError, tool).toBe(true);
      expect(errorText(result)).toContain('read-only');
    }
    const after = await callOk<{ rows: Array<{ n: number }> }>(ro, 'execute_query', { sql: 'SELECT count(*) AS n FROM notes' });
    expect(after.rows[0]?.n).toBe(1);
    // ATTACH could create files outside the job in any mode.
    expect(errorText(await callTool(ro, 'execute_query', { sql: "ATTACH DATABASE '/tmp/x.db' AS x" }))).toContain('ATTACH');
    await ro.close();
  });
});

describe('schema-failing arguments', () => {
  it('come back as MCP errors from every tool of every server, and the server keeps working', async () => {
    const ctx = jobContext(jobsDir, 'jbad');
    let checked = 0;
    for (const name of MCP_SERVER_NAMES) {
      const client = await connectServer(name, ctx);
      const { tools } = await client.listTools();
      expect(tools.length, name).toBeGreaterThan(0);
      for (const tool of tools) {
        expect(tool.outputSchema, `${name}.${tool.name} has an output schema`).toBeDefined();
        for (const args of [{ unexpected_argument: 1 }, { path: 42, url: false, sql: [], query: {}, taskId: null }]) {
          const result = await callTool(client, tool.name, args);
          expect(result.isError, `${name}.${tool.name} ${JSON.stringify(args)}`).toBe(true);
          expect(errorText(result)).toMatch(/Input validation error|Invalid arguments/);
        }
        checked++;
      }
      // Still answering after the bad calls.
      expect((await client.listTools()).tools.length).toBe(tools.length);
      await client.close();
    }
    expect(checked).toBeGreaterThanOrEqual(35);
  });
});
