import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../actors/log/logger.js';
import { CachingEmbedder } from '../actors/memory/embedder.js';
import { LanceMemory } from '../actors/memory/lance-memory.js';
import { loadTransformersEmbedder } from '../actors/memory/transformers-embedder.js';
import { TriggerScheduler } from '../actors/mcp/trigger-scheduler.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { createSubjects } from '../proto/subjects.js';
import { TriggerFired } from '../proto/trigger.js';
import { callOk, callTool, connectServer, errorText, jobContext } from './helpers/mcp.js';
import { TINY_EMBEDDER, tempDir } from './helpers/env.js';
import { startTestNats, type TestNats } from './helpers/nats.js';

// What each server does, through a real MCP client and the real parts behind it.
const home = tempDir('mcp-tools');
const jobsDir = join(home.path, 'jobs');
afterAll(() => home.cleanup());

describe('filesystem', () => {
  let fs: Client;
  const sandbox = new BubblewrapSandbox();
  beforeAll(async () => {
    fs = await connectServer('filesystem', jobContext(jobsDir, 'jfiles', { sandbox: async () => sandbox }));
  });
  afterAll(async () => {
    await fs.close();
    // Its /etc files live in a temporary folder until it is closed.
    await sandbox.close();
  });

  it('writes, reads, lists, makes folders and deletes inside the workspace', async () => {
    expect(await callOk(fs, 'write_file', { path: 'src/app.js', content: 'console.log("hi")\n' })).toEqual({ path: 'src/app.js', bytes: 18 });
    expect(await callOk(fs, 'read_file', { path: 'src/app.js' })).toMatchObject({ content: 'console.log("hi")\n', bytes: 18 });
    expect(await callOk(fs, 'create_directory', { path: 'docs/api' })).toEqual({ path: 'docs/api', created: true });
    const listing = await callOk<{ entries: Array<{ path: string; type: string }> }>(fs, 'list_files', { recursive: true });
    expect(listing.entries.map((e) => `${e.type}:${e.path}`)).toEqual(['directory:docs', 'directory:src', 'directory:docs/api', 'file:src/app.js']);
    expect(await callOk(fs, 'delete_file', { path: 'src/app.js' })).toEqual({ path: 'src/app.js', deleted: true });
    expect(errorText(await callTool(fs, 'delete_file', { path: 'docs' }))).toContain('recursive: true');
    expect(errorText(await callTool(fs, 'read_file', { path: 'src/app.js' }))).toContain('ENOENT');
  });

  it('runs execute_code in the bubblewrap sandbox, with the workspace mounted and no network', async () => {
    await callOk(fs, 'write_file', { path: 'data.txt', content: 'from the workspace' });
    const run = await callOk<{ exitCode: number; stdout: string; backend: string }>(fs, 'execute_code', {
      language: 'node',
      code: "const fs = require('fs'); console.log(fs.readFileSync('/workspace/data.txt', 'utf8'), require('os').networkInterfaces().eth0 === undefined)",
    });
    expect(run).toMatchObject({ exitCode: 0, backend: 'bubblewrap' });
    expect(run.stdout.trim()).toBe('from the workspace true');
    const failing = await callOk<{ exitCode: number; stderr: string }>(fs, 'execute_code', { language: 'sh', code: 'echo oops >&2; exit 3' });
    expect(failing).toMatchObject({ exitCode: 3 });
    expect(failing.stderr.trim()).toBe('oops');
  });

  it('refuses execute_code when no sandbox is configured', async () => {
    const bare = await connectServer('filesystem', jobContext(jobsDir, 'jfiles'));
    const result = await callTool(bare, 'execute_code', { language: 'sh', code: 'touch /workspace/ran' });
    expect(result.isError).toBe(true);
    expect(errorText(result)).toContain('needs a sandbox');
    expect(existsSync(join(jobsDir, 'jfiles', 'repo', 'ran'))).toBe(false);
    await bare.close();
  });
});

describe('git', () => {
  it('inits, commits, branches, merges, logs, diffs and searches job repositories; pushes only to configured remotes', async () => {
    const ctx = jobContext(jobsDir, 'jgit');
    const fs = await connectServer('filesystem', ctx);
    const git = await connectServer('git', ctx);
    expect(await callOk(git, 'git_init', {})).toEqual({ created: true, branch: 'main' });
    await callOk(fs, 'write_file', { path: 'README.md', content: 'first line\n' });
    expect(await callOk(git, 'git_status', {})).toMatchObject({ branch: 'main', head: null, files: [{ path: 'README.md', status: 'untracked' }] });
    const first = await callOk<{ commit: string; files: string[] }>(git, 'git_commit', { message: 'initial' });
    expect(first.files).toEqual(['README.md']);
    expect(errorText(await callTool(git, 'git_commit', { message: 'empty' }))).toContain('nothing to commit');

    expect(await callOk(git, 'git_branch', { name: 'feature', checkout: true })).toMatchObject({ current: 'feature', created: true, branches: ['feature', 'main'] });
    await callOk(fs, 'write_file', { path: 'README.md', content: 'first line\nsecond line with needle-42\n' });
    const diff = await callOk<{ files: unknown[]; patch: string }>(git, 'git_diff', {});
    expect(diff.files).toEqual([{ path: 'README.md', status: 'modified' }]);
    expect(diff.patch).toContain('+second line with needle-42');
    const second = await callOk<{ commit: string }>(git, 'git_commit', { message: 'feature work' });

    await callOk(git, 'git_branch', { name: 'main', checkout: true });
    expect(readFileSync(join(ctx.workspace, 'README.md'), 'utf8')).toBe('first line\n');
    const merged = await callOk<{ commit: string; fastForward: boolean }>(git, 'git_merge', { theirs: 'feature' });
    expect(merged).toMatchObject({ commit: second.commit, fastForward: true });
    expect(readFileSync(join(ctx.workspace, 'README.md'), 'utf8')).toContain('needle-42');
    const log = await callOk<{ commits: Array<{ message: string }> }>(git, 'git_log', {});
    expect(log.commits.map((c) => c.message.trim())).toEqual(['feature work', 'initial']);
    const between = await callOk<{ patch: string }>(git, 'git_diff', { from: first.commit, to: second.commit });
    expect(between.patch).toContain('+second line with needle-42');

    const search = await callOk<{ hits: Array<{ jobId: string; path: string; line: number }> }>(git, 'search_repositories', { query: 'NEEDLE-42' });
    expect(search.hits).toEqual([expect.objectContaining({ jobId: 'jgit', path: 'README.md', line: 2 })]);

    const push = await callTool(git, 'git_push', { remote: 'origin' });
    expect(push.isError).toBe(true);
    expect(errorText(push)).toContain('remote "origin" is not configured');
    expect(errorText(await callTool(git, 'git_merge', { theirs: 'nope' }))).toContain('no branch, tag or commit "nope"');
    await fs.close();
    await git.close();
  });
});

describe('database', () => {
  it('keeps migrations as versioned files in the job repository and applies them to the job database', async () => {
    const ctx = jobContext(jobsDir, 'jsql');
    const db = await connectServer('database', ctx);
    expect(await callOk(db, 'create_schema', { name: 'users', sql: 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, admin INTEGER NOT NULL DEFAULT 0)' })).toEqual({
      migration: 'db/migrations/0001_users.sql',
      applied: true,
    });
    expect(readFileSync(join(ctx.workspace, 'db/migrations/0001_users.sql'), 'utf8')).toContain('CREATE TABLE users');
    const broken = await callTool(db, 'create_schema', { name: 'broken', sql: 'CREATE TABLE (' });
    expect(errorText(broken)).toContain('SQLite refused');
    expect(existsSync(join(ctx.workspace, 'db/migrations/0002_broken.sql'))).toBe(false);
    expect(await callOk(db, 'seed_data', { table: 'users', rows: [{ email: 'a@x.org', admin: true }, { email: 'b@x.org' }] })).toEqual({ table: 'users', inserted: 2 });
    const insert = await callOk<{ changes: number; lastInsertRowid: number }>(db, 'execute_query', { sql: 'INSERT INTO users (email) VALUES (?)', params: ['c@x.org'] });
    expect(insert).toMatchObject({ changes: 1, lastInsertRowid: 3 });
    const rows = await callOk<{ columns: string[]; rows: unknown[] }>(db, 'execute_query', { sql: 'SELECT email, admin FROM users WHERE admin = ? ORDER BY id', params: [1] });
    expect(rows).toMatchObject({ columns: ['email', 'admin'], rows: [{ email: 'a@x.org', admin: 1 }] });
    expect(errorText(await callTool(db, 'seed_data', { table: 'users', rows: [{ email: 'a@x.org' }] }))).toContain('UNIQUE');
    expect(errorText(await callTool(db, 'execute_query', { sql: 'SELECT 1; SELECT 2' }))).toContain('SQLite refused');
    await db.close();

    // A fresh database (another file) replays the repository's migrations.
    const fresh = await connectServer('database', { ...ctx, databaseFile: join(home.path, 'other.sqlite') });
    expect(await callOk(fresh, 'migrate_database', {})).toEqual({ applied: ['0001_users.sql'], alreadyApplied: [] });
    expect(await callOk(fresh, 'migrate_database', {})).toEqual({ applied: [], alreadyApplied: ['0001_users.sql'] });
    await fresh.close();
  });
});

describe('sequential_thinking', () => {
  it('keeps step state per task across calls and servers', async () => {
    const ctx = jobContext(jobsDir, 'jthink');
    const a = await connectServer('sequential_thinking', ctx);
    const plan = await callOk<{ plan: { current: number; steps: unknown[] } }>(a, 'plan_steps', {
      taskId: 't1',
      goal: 'add a health route',
      steps: [{ title: 'write the route', check: 'file exists' }, { title: 'write a test' }],
      maxAttempts: 2,
    });
    expect(plan.plan).toMatchObject({ current: 0, finished: false });
    await a.close();
    // Another server instance (as over HTTP) sees the same plan.
    const b = await connectServer('sequential_thinking', ctx);
    expect(await callOk(b, 'execute_step', { taskId: 't1', result: 'wrote src/health.js' })).toMatchObject({ step: { index: 0, status: 'in_progress', attempts: 1 } });
    expect(await callOk(b, 'validate_step', { taskId: 't1', passed: false, notes: 'wrong folder' })).toMatchObject({ next: 'step 0 failed; call iterate_until_success' });
    expect(await callOk(b, 'iterate_until_success', { taskId: 't1', lesson: 'use routes/' })).toMatchObject({ retry: true, attempts: 1, maxAttempts: 2 });
    await callOk(b, 'execute_step', { taskId: 't1' });
    const done0 = await callOk<{ plan: { current: number } }>(b, 'validate_step', { taskId: 't1', passed: true });
    expect(done0.plan.current).toBe(1);
    await callOk(b, 'execute_step', { taskId: 't1' });
    await callOk(b, 'validate_step', { taskId: 't1', passed: false });
    await callOk(b, 'iterate_until_success', { taskId: 't1' });
    await callOk(b, 'execute_step', { taskId: 't1' });
    await callOk(b, 'validate_step', { taskId: 't1', passed: false });
    expect(await callOk(b, 'iterate_until_success', { taskId: 't1' })).toMatchObject({ retry: false, attempts: 2, next: expect.stringContaining('stop and report') });
    expect(errorText(await callTool(b, 'execute_step', { taskId: 'other' }))).toContain('plan_steps first');
    await b.close();
  });
});

describe('time', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let scheduler: TriggerScheduler;
  beforeAll(async () => {
    nats = await startTestNats();
    nc = await nats.connect();
    const subjects = createSubjects('mcptest');
    scheduler = new TriggerScheduler({
      log: silentLogger,
      publish: async (event) => {
        nc.publish(subjects.trigger(event.jobId, event.triggerId), JSON.stringify(event));
      },
    });
  });
  afterAll(async () => {
    scheduler.stop();
    await nats.stop();
  });

  it('tells the time and converts time zones', async () => {
    const time = await connectServer('time', jobContext(jobsDir, 'jtime'));
    const now = await callOk<{ epochMs: number; iso: string }>(time, 'now', { timezone: 'Asia/Tokyo' });
    expect(Math.abs(now.epochMs - Date.now())).toBeLessThan(5000);
    expect(await callOk(time, 'convert_timezone', { time: '2024-01-15T12:00:00Z', to: 'America/New_York' })).toEqual({
      iso: '2024-01-15T12:00:00.000Z',
      timezone: 'America/New_York',
      local: '2024-01-15 07:00:00',
      offsetMinutes: -300,
    });
    expect(errorText(await callTool(time, 'convert_timezone', { time: '2024-01-15T12:00:00Z', to: 'Mars/Olympus' }))).toContain('IANA time zone');
    expect(errorText(await callTool(time, 'schedule_trigger', { triggerId: 'x', delayMs: 10 }))).toContain("daemon's NATS connection");
    await time.close();
  });

  it('publishes delayed and recurring triggers on NATS, and cancels them', async () => {
    const time = await connectServer('time', jobContext(jobsDir, 'jtime', { scheduler }));
    const sub = nc.subscribe(createSubjects('mcptest').trigger('jtime', '*'));
    const received: TriggerFired[] = [];
    const collecting = (async () => {
      for await (const msg of sub) received.push(TriggerFired.parse(JSON.parse(new TextDecoder().decode(msg.data))));
    })();
    await callOk(time, 'schedule_trigger', { triggerId: 'once', delayMs: 50, payload: { task: 't1' } });
    await callOk(time, 'schedule_trigger', { triggerId: 'tick', delayMs: 0, everyMs: 1000 });
    await callOk(time, 'schedule_trigger', { triggerId: 'never', delayMs: 60_000 });
    expect((await callOk<{ triggers: unknown[] }>(time, 'list_triggers', {})).triggers).toHaveLength(3);
    expect(await callOk(time, 'cancel_trigger', { triggerId: 'never' })).toEqual({ cancelled: true });
    await new Promise((r) => setTimeout(r, 1300));
    expect(await callOk(time, 'cancel_trigger', { triggerId: 'tick' })).toEqual({ cancelled: true });
    sub.unsubscribe();
    await collecting;
    expect(received.filter((e) => e.triggerId === 'once')).toEqual([expect.objectContaining({ jobId: 'jtime', count: 1, payload: { task: 't1' } })]);
    expect(received.filter((e) => e.triggerId === 'tick').map((e) => e.count)).toEqual([1, 2]);
    expect(received.some((e) => e.triggerId === 'never')).toBe(false);
    expect((await callOk<{ triggers: unknown[] }>(time, 'list_triggers', {})).triggers).toEqual([]);
    await time.close();
  });
});

describe('memory and fetch_documentation', () => {
  let memory: LanceMemory;
  let site: Server;
  let url: string;
  beforeAll(async () => {
    memory = await LanceMemory.open({ dir: join(home.path, 'memory'), embedder: new CachingEmbedder(await loadTransformersEmbedder(TINY_EMBEDDER)), log: silentLogger });
    site = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<html><head><title>Widget API</title><script>alert(1)</script></head><body><nav>menu</nav><h2>POST /widgets</h2><p>Creates a <b>widget</b>; see <a href="/auth">auth</a>.</p></body></html>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/docs`;
  });
  afterAll(async () => {
    await memory.close();
    site.closeAllConnections();
    await new Promise<void>((resolve) => site.close(() => resolve()));
  });

  it('stores, retrieves, updates and searches knowledge in LanceDB', async () => {
    const ctx = jobContext(jobsDir, 'jmem', { memory: () => memory.forJob('jmem') });
    const mem = await connectServer('memory', ctx);
    const stored = await callOk<{ record: { id: string } }>(mem, 'store_knowledge', {
      content: 'The orders service retries payment webhooks three times',
      metadata: { type: 'code', source: 'src/orders.js', tags: ['payments'] },
    });
    await callOk(mem, 'store_knowledge', { content: 'Login uses bearer tokens', metadata: { type: 'api_doc', source: 'docs/auth.md' } });
    const hits = await callOk<{ hits: Array<{ id: string }> }>(mem, 'retrieve_context', { query: 'payment webhooks', topK: 1 });
    expect(hits.hits.map((h) => h.id)).toEqual([stored.record.id]);
    const updated = await callOk<{ record: { content: string; metadata: { tags: string[] } } }>(mem, 'update_memory', { id: stored.record.id, metadata: { tags: ['payments', 'retries'] } });
    expect(updated.record.metadata.tags).toEqual(['payments', 'retries']);
    const found = await callOk<{ records: Array<{ metadata: { source: string } }> }>(mem, 'search_knowledge', { filter: { tags: ['retries'] } });
    expect(found.records.map((r) => r.metadata.source)).toEqual(['src/orders.js']);
    expect(errorText(await callTool(mem, 'update_memory', { id: 'no-such-id', content: 'x' }))).toContain('no-such-id');
    await mem.close();
  });

  it('fetch_documentation turns HTML into Markdown and stores it as an api_doc', async () => {
    const ctx = jobContext(jobsDir, 'jdocs', { memory: () => memory.forJob('jdocs'), fetchPolicy: { allow: [], deny: [], allowPrivateAddresses: true } });
    const fetch = await connectServer('fetch', ctx);
    const doc = await callOk<{ title: string; markdown: string; memoryId: string }>(fetch, 'fetch_documentation', { url, tags: ['widgets'] });
    expect(doc.title).toBe('Widget API');
    expect(doc.markdown).toBe(`## POST /widgets\n\nCreates a **widget**; see [auth](${url.replace('/docs', '/auth')}).`);
    const stored = await (await memory.forJob('jdocs')).searchByMetadata({ type: 'api_doc' });
    expect(stored.map((r) => r.id)).toEqual([doc.memoryId]);
    expect(stored[0]?.metadata).toMatchObject({ source: url, tags: ['widgets'] });
    const scraped = await callOk<{ pages: Array<{ url: string; title: string }>; errors: unknown[] }>(fetch, 'scrape_website', { url, maxPages: 3 });
    expect(scraped.pages.map((p) => p.url)).toEqual([url, url.replace('/docs', '/auth')]);
    const download = await callOk<{ path: string; bytes: number }>(fetch, 'download_file', { url, path: 'vendor/docs.html' });
    expect(readFileSync(join(ctx.workspace, 'vendor/docs.html'), 'utf8')).toContain('POST /widgets');
    expect(download.path).toBe('vendor/docs.html');
    await fetch.close();
  });
});
