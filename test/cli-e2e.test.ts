import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCommitsMatchTasks, fsckJobRepo } from './helpers/commits.js';
import { isProcessAlive } from '../daemon/daemon-file.js';
import { COMMANDS } from '../cli/main.js';
import { DaemonInfo, JobEvent, JobView } from '../proto/index.js';
import { REPO_ROOT, TINY_CONFIG, TINY_MODEL, tempDir, waitUntil, writeConfig } from './helpers/env.js';
import { collectLines, runCli } from './helpers/cli.js';

describe('autodev CLI end to end, as a user runs it', () => {
  const home = tempDir('cli');
  const env = { AUTODEV_HOME: home.path, AUTODEV_MODEL: TINY_MODEL };
  let info: DaemonInfo | null = null;

  beforeAll(() => writeConfig(home.path, TINY_CONFIG));
  afterAll(async () => {
    await runCli(['daemon', 'stop'], env);
    if (info && isProcessAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
    home.cleanup();
  });

  it('prints --help for every command and exits 2 on usage errors', async () => {
    for (const command of COMMANDS) {
      const res = await runCli([command.name, '--help'], env);
      expect(res.code, command.name).toBe(0);
      expect(res.stdout).toContain(`Usage: autodev ${command.name}`);
    }
    expect((await runCli(['frobnicate'], env)).code).toBe(2);
    expect((await runCli(['submit'], env)).code).toBe(2);
    expect((await runCli(['submit', 'x', '--bogus'], env)).code).toBe(2);
  });

  it('daemon status exits 3 when no daemon runs, and starts none', async () => {
    // Commands that need the daemon start it (test/cli-daemon-rule.test.ts); `daemon status` only reports.
    const res = await runCli(['daemon', 'status', '--json'], env);
    expect(res.code).toBe(3);
    expect(JSON.parse(res.stdout)).toEqual({ running: false });
    expect(existsSync(join(home.path, 'daemon.json'))).toBe(false);
  });

  it('submits with --wait --json, and an outside nats subscriber sees every event schema-valid', async () => {
    const started = await runCli(['daemon', 'start', '--json'], env);
    expect(started.code, started.stderr).toBe(0);
    info = DaemonInfo.parse(JSON.parse(readFileSync(join(home.path, 'daemon.json'), 'utf8')));
    expect(isProcessAlive(info.pid)).toBe(true);

    const subscriber = spawn(
      process.execPath,
      [join(REPO_ROOT, 'test', 'fixtures', 'subscribe-events.mjs'), info.natsUrl, 'autodev', info.tokenFile, 'autodev.job.>'],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const watched = collectLines(subscriber);
    await waitUntil(() => watched.lines.length > 0, 10_000, 'the subscriber to connect');

    const spec = join(REPO_ROOT, 'examples', 'todo-api', 'openapi.yaml');
    const res = await runCli(['submit', 'Build a todo REST API with users', '--spec', spec, '--wait', '--json'], env);
    const view = JobView.parse(JSON.parse(res.stdout));
    expect(Object.keys(view)).toEqual(expect.arrayContaining(['jobId', 'status', 'repo', 'tasks']));
    expect(['completed', 'failed']).toContain(view.status);
    expect(res.code).toBe(view.status === 'completed' ? 0 : 1);
    // The view is a summary: never the prompt, context or output of a task.
    for (const task of view.tasks) {
      expect(Object.keys(task).sort()).toEqual(expect.arrayContaining(['attempts', 'id', 'status', 'type']));
      expect(Object.keys(task).every((key) => ['attempts', 'id', 'status', 'type', 'tokensUsed', 'costUsd', 'verdict', 'rules'].includes(key))).toBe(true);
    }

    // One commit per committed attempt, and a repository that real git accepts.
    await expectCommitsMatchTasks(view.repo, view.tasks, { onePerTask: true });
    await fsckJobRepo(view.repo, view.status);

    await waitUntil(() => watched.lines.some((l) => l.includes('"job.completed') || l.includes('"job.failed')), 10_000, 'the terminal event');
    const events = watched.lines.slice(1).map((line) => {
      const { subject, data } = JSON.parse(line) as { subject: string; data: string };
      const event = JobEvent.parse(JSON.parse(data));
      expect(subject.startsWith(`autodev.job.${view.jobId}.`)).toBe(true);
      expect(subject.endsWith(`.${event.type.split('.')[1]}`)).toBe(true);
      return event;
    });
    expect(events[0]?.type).toBe('job.submitted');
    const planned = events.find((e) => e.type === 'job.planned');
    // The spec's backbone: scaffold first, then a backend and a contract-test task per resource.
    expect(planned?.type === 'job.planned' && planned.tasks.map((t) => t.type).slice(0, 5)).toEqual(['devops', 'backend', 'testing', 'backend', 'testing']);
    expect(view.tasks.length).toBeGreaterThanOrEqual(7);
    expect(events.at(-1)?.type).toBe(`job.${view.status}`);
    // Prompts are fitted to the worker model's window (memory and repository files shed to fit),
    // so the example spec never overflows the tiny model's context.
    const overflows = events.filter((e) => e.type === 'task.failed' && e.error.code === 'context_overflow');
    expect(overflows).toEqual([]);
    await watched.exited;

    const status = await runCli(['status', view.jobId, '--json'], env);
    expect(JobView.parse(JSON.parse(status.stdout))).toEqual(view);
    expect(status.code).toBe(res.code);

    const watchAgain = await runCli(['watch', view.jobId], env);
    expect(watchAgain.stdout).toContain('job.submitted');
    expect(watchAgain.stdout).toContain(`job ${view.jobId}: ${view.status}`);
  });

  it('stops the daemon and everything it started', async () => {
    expect(info).not.toBeNull();
    const natsPid = Number(execFileSync('pgrep', ['-f', join(home.path, 'nats', 'nats.conf')]).toString().trim());
    expect(isProcessAlive(natsPid)).toBe(true);
    const res = await runCli(['daemon', 'stop', '--json'], env);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ running: false, stoppedPid: info?.pid });
    expect(existsSync(join(home.path, 'daemon.json'))).toBe(false);
    await waitUntil(() => !isProcessAlive(natsPid), 5000, 'nats-server to exit');
    expect((await runCli(['daemon', 'status'], env)).code).toBe(3);
  });
});

describe('autodev cancel, and the npx entry points', () => {
  const home = tempDir('cancel');
  const env = { AUTODEV_HOME: home.path, AUTODEV_MODEL: TINY_MODEL };
  afterAll(async () => {
    await runCli(['daemon', 'stop'], env);
    home.cleanup();
  });

  it('cancels a running job from the CLI; status then exits 1', async () => {
    writeConfig(home.path, {
      ...TINY_CONFIG,
      taskMaxTokens: 400_000,
      output: { maxFiles: 8, maxLinesPerFile: 400, maxLineChars: 200, maxSummaryChars: 60 },
    });
    const submitted = await runCli(['submit', 'A long job', '--json'], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    const { jobId } = JobView.parse(JSON.parse(submitted.stdout));
    await waitUntil(async () => {
      const res = await runCli(['status', jobId, '--json'], env);
      return JobView.parse(JSON.parse(res.stdout)).tasks.some((t) => t.status === 'running');
    }, 60_000, 'a running task');
    const cancelled = await runCli(['cancel', jobId, '--reason', 'changed my mind', '--json'], env);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(JobView.parse(JSON.parse(cancelled.stdout)).status).toBe('cancelled');
    const status = await runCli(['status', jobId], env);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('cancelled: changed my mind');
    const again = await runCli(['cancel', jobId], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already cancelled');
  });

  it('runs as npx autodev and npx autodevd from the repository root', () => {
    const cli = execFileSync('npx', ['--no-install', 'autodev', '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(cli).toContain('Usage: autodev COMMAND');
    const daemon = execFileSync('npx', ['--no-install', 'autodevd', '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(daemon).toContain('Usage: autodevd');
  });
});
