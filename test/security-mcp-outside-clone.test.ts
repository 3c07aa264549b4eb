import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles } from '../actors/git/repo.js';
import { isProcessAlive, readDaemonFile } from '../daemon/daemon-file.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { REPO_ROOT, tempDir, waitUntil, writeConfig } from './helpers/env.js';
import { callOk } from './helpers/mcp.js';
import { seedJob } from './helpers/seed-job.js';

// Issue 12, one writer per job repository: outside MCP clients (HTTP, and `autodev mcp serve`, which relays to the
// daemon) work on their own clone, jobs/<id>/outside; only the integration engine writes jobs/<id>/repo.
const BIN = join(REPO_ROOT, 'bin', 'autodev.js');
const gitIn = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();

describe('outside MCP clients on a real daemon', () => {
  let daemon: TestDaemon;
  let repo: string;
  let outside: string;
  let initial: string;
  beforeAll(async () => {
    daemon = await startTestDaemon({ gpu: 'cpu', localWorkers: false });
    repo = await seedJob(join(daemon.home, 'jobs'), 'jone', [{ path: 'README.md', content: '# app\n' }]);
    outside = join(daemon.home, 'jobs', 'jone', 'outside');
    initial = gitIn(repo, 'rev-parse', 'main');
  });
  afterAll(() => daemon?.cleanup());

  const httpClient = async (server: string, job = 'jone') => {
    const transport = new StreamableHTTPClientTransport(new URL(`${daemon.apiUrl}/mcp/${server}?job=${job}`), {
      requestInit: { headers: { authorization: `Bearer ${daemon.token}` } },
    });
    const client = new Client({ name: 'autodev-test', version: '0.0.0' });
    await client.connect(transport);
    return client;
  };

  it('git_commit, git_branch --checkout and file writes land in the clone; the job repository is untouched', async () => {
    const git = await httpClient('git');
    const fs = await httpClient('filesystem');
    // The clone starts with the job's history, on the job's branch.
    expect((await callOk<{ commits: Array<{ oid: string }> }>(git, 'git_log', {})).commits.map((c) => c.oid)).toEqual([initial]);
    await callOk(fs, 'write_file', { path: 'feature.txt', content: 'outside work\n' });
    const outsideCommit = await callOk<{ commit: string }>(git, 'git_commit', { message: 'outside commit' });
    await callOk(git, 'git_branch', { name: 'side', checkout: true });
    await callOk(fs, 'write_file', { path: 'side.txt', content: 'side\n' });
    await callOk(git, 'git_commit', { message: 'side commit' });

    expect(readFileSync(join(outside, 'feature.txt'), 'utf8')).toBe('outside work\n');
    expect(gitIn(outside, 'rev-parse', 'main')).toBe(outsideCommit.commit);
    // The job repository, as real git sees it: same main, same HEAD, no new branch, a clean working tree.
    expect(gitIn(repo, 'rev-parse', 'main')).toBe(initial);
    expect(gitIn(repo, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
    expect(gitIn(repo, 'branch', '--format=%(refname:short)')).toBe('main');
    expect(gitIn(repo, 'status', '--porcelain')).toBe('');
    expect(existsSync(join(repo, 'feature.txt'))).toBe(false);
    await git.close();
    await fs.close();
  });

  it('while the integration engine commits to the job, an outside commit never moves main; the client then sees job/main and can merge it', async () => {
    const git = await httpClient('git');
    const fs = await httpClient('filesystem');
    await callOk(git, 'git_branch', { name: 'main', checkout: true });
    await callOk(fs, 'write_file', { path: 'race.txt', content: 'outside\n' });
    // The engine's own commit path (the one integrate uses), at the same time as the outside commit.
    const [engine, outsideCommit] = await Promise.all([
      commitFiles(repo, [{ path: 'src/app.js', content: 'console.log(1)\n' }], 'task: app'),
      callOk<{ commit: string }>(git, 'git_commit', { message: 'outside during the job' }),
    ]);
    expect(gitIn(repo, 'rev-parse', 'main')).toBe(engine);
    expect(gitIn(repo, 'rev-parse', 'main~1')).toBe(initial);
    expect(() => gitIn(repo, 'cat-file', '-e', outsideCommit.commit)).toThrow();
    expect(gitIn(repo, 'fsck', '--no-dangling')).toBe('');

    // A new session syncs: the job's branches appear as job/<branch>, the client's own branches stay as they were.
    const next = await httpClient('git');
    expect((await callOk<{ commits: Array<{ oid: string }> }>(next, 'git_log', { ref: 'job/main', depth: 1 })).commits[0]?.oid).toBe(engine);
    expect(gitIn(outside, 'rev-parse', 'main')).toBe(outsideCommit.commit);
    const merged = await callOk<{ commit: string; fastForward: boolean }>(next, 'git_merge', { theirs: 'job/main' });
    expect(merged.fastForward).toBe(false);
    expect(readFileSync(join(outside, 'src', 'app.js'), 'utf8')).toBe('console.log(1)\n');
    expect(gitIn(repo, 'rev-parse', 'main')).toBe(engine);
    expect(gitIn(repo, 'status', '--porcelain')).toBe('');
    await Promise.all([git.close(), fs.close(), next.close()]);
  });

  it('the clone never gets the job repository config or hooks', async () => {
    const poisoned = await seedJob(join(daemon.home, 'jobs'), 'jpoison', [{ path: 'a.txt', content: 'a\n' }]);
    appendFileSync(join(poisoned, '.git', 'config'), '[core]\n\tfsmonitor = "touch /tmp/autodev-pwned"\n');
    writeFileSync(join(poisoned, '.git', 'hooks', 'post-checkout'), '#!/bin/sh\ntouch /tmp/autodev-pwned\n', { mode: 0o755 });
    // A fan-out folder of objects/ that is a symlink to a host folder: its files must not be copied.
    const hostDir = join(daemon.home, 'host-folder');
    mkdirSync(hostDir);
    writeFileSync(join(hostDir, 'e'.repeat(38)), 'host secret');
    const fanOut = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')).find((d) => !existsSync(join(poisoned, '.git', 'objects', d))) as string;
    symlinkSync(hostDir, join(poisoned, '.git', 'objects', fanOut));
    const git = await httpClient('git', 'jpoison');
    expect((await callOk<{ head: string }>(git, 'git_status', {})).head).toBe(gitIn(poisoned, 'rev-parse', 'main'));
    const clone = join(daemon.home, 'jobs', 'jpoison', 'outside');
    expect(readFileSync(join(clone, '.git', 'config'), 'utf8')).not.toContain('fsmonitor');
    expect(existsSync(join(clone, '.git', 'hooks', 'post-checkout'))).toBe(false);
    expect(existsSync(join(clone, '.git', 'objects', fanOut))).toBe(false);
    expect(readFileSync(join(clone, 'a.txt'), 'utf8')).toBe('a\n');
    await git.close();
  });

  it('autodev mcp serve relays to this daemon: tools/list, a tool call, and state shared with HTTP clients', async () => {
    const stdio = new Client({ name: 'autodev-test', version: '0.0.0' });
    await stdio.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', 'serve', 'git', '--job', 'jone', '--home', daemon.home], stderr: 'pipe' }));
    const { tools } = await stdio.listTools();
    expect(tools.map((t) => t.name)).toContain('git_commit');
    const log = await callOk<{ commits: Array<{ message: string }> }>(stdio, 'git_log', { depth: 50 });
    expect(log.commits.map((c) => c.message.trim())).toContain('outside during the job');
    await stdio.close();

    // A trigger scheduled over stdio lives in the daemon: an HTTP client lists it.
    const time = new Client({ name: 'autodev-test', version: '0.0.0' });
    await time.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', 'serve', 'time', '--job', 'jone', '--home', daemon.home], stderr: 'pipe' }));
    await callOk(time, 'schedule_trigger', { triggerId: 'from-stdio', delayMs: 3_600_000 });
    await time.close();
    const http = await httpClient('time');
    const listed = await callOk<{ triggers: Array<{ triggerId: string }> }>(http, 'list_triggers', {});
    expect(listed.triggers.map((t) => t.triggerId)).toContain('from-stdio');
    await callOk(http, 'cancel_trigger', { triggerId: 'from-stdio' });
    await http.close();
  });
});

describe('autodev mcp serve with no daemon running', () => {
  // Made in beforeAll, so a run that filters this block out leaves no folder behind.
  let home: { path: string; cleanup: () => void };
  let pid: number | null = null;
  beforeAll(async () => {
    home = tempDir('mcp-serve-starts');
    writeConfig(home.path, { gpu: 'cpu', localWorkers: false });
    await seedJob(join(home.path, 'jobs'), 'jstart');
  });
  afterAll(async () => {
    if (pid !== null && isProcessAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      await waitUntil(() => !isProcessAlive(pid as number), 20_000, 'the daemon to stop');
    }
    home?.cleanup();
  });

  it('starts the daemon and relays to it', async () => {
    const client = new Client({ name: 'autodev-test', version: '0.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', 'serve', 'time', '--job', 'jstart', '--home', home.path], stderr: 'pipe' }));
    const info = await readDaemonFile(home.path);
    pid = info?.pid ?? null;
    expect(pid).not.toBeNull();
    expect(isProcessAlive(pid as number)).toBe(true);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('convert_timezone');
    expect(await callOk(client, 'convert_timezone', { time: '2024-01-15T12:00:00Z', to: 'Asia/Tokyo' })).toMatchObject({ local: '2024-01-15 21:00:00' });
    await client.close();
  });
});
