import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitMessages } from '../actors/git/repo.js';
import { DaemonInfo, JobView } from '../proto/index.js';
import { TINY_CONFIG, TINY_MODEL, tempDir, waitUntil, writeConfig } from './helpers/env.js';
import { runCli } from './helpers/cli.js';

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a daemon killed with SIGKILL in the middle of a job', () => {
  const home = tempDir('crash');
  const env = { AUTODEV_HOME: home.path, AUTODEV_MODEL: TINY_MODEL };
  const pids: number[] = [];

  afterAll(async () => {
    await runCli(['daemon', 'stop'], env);
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    home.cleanup();
  });

  it('resumes the job after a restart and finishes it with every commit intact', async () => {
    // First run: answers so long that the task is surely still generating when the daemon dies.
    writeConfig(home.path, {
      ...TINY_CONFIG,
      taskMaxTokens: 400_000,
      output: { maxFiles: 8, maxLinesPerFile: 400, maxLineChars: 200, maxSummaryChars: 60 },
    });
    const submitted = await runCli(['submit', 'Build a todo API', '--json'], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    const { jobId } = JobView.parse(JSON.parse(submitted.stdout));
    const first = DaemonInfo.parse(JSON.parse(readFileSync(join(home.path, 'daemon.json'), 'utf8')));
    pids.push(first.pid);
    await waitUntil(async () => {
      const res = await runCli(['status', jobId, '--json'], env);
      return JobView.parse(JSON.parse(res.stdout)).tasks.some((t) => t.status === 'running');
    }, 60_000, 'a running task');
    const natsPid = Number(execFileSync('pgrep', ['-f', join(home.path, 'nats', 'nats.conf')]).toString().trim());
    pids.push(natsPid);

    process.kill(first.pid, 'SIGKILL');
    await waitUntil(() => !isAlive(first.pid), 5000, 'the daemon to die');
    const before = JSON.parse(readFileSync(join(home.path, 'jobs', jobId, 'job.json'), 'utf8')) as { status: string };
    expect(before.status).toBe('running');

    // Second run: small answers, so the resumed task finishes.
    writeConfig(home.path, TINY_CONFIG);
    const restarted = await runCli(['daemon', 'start', '--json'], env);
    expect(restarted.code, restarted.stderr).toBe(0);
    const second = DaemonInfo.parse(JSON.parse(readFileSync(join(home.path, 'daemon.json'), 'utf8')));
    pids.push(second.pid);
    expect(second.pid).not.toBe(first.pid);
    // The orphaned nats-server of the killed daemon was stopped, not left on the same store.
    await waitUntil(() => {
      try {
        return !readFileSync(`/proc/${natsPid}/cmdline`, 'utf8').includes('nats.conf');
      } catch {
        return true;
      }
    }, 10_000, 'the orphaned nats-server to stop');

    const watched = await runCli(['watch', jobId, '--json'], env);
    const view = JobView.parse(JSON.parse(watched.stdout));
    expect(['completed', 'failed']).toContain(view.status);
    const task = view.tasks[0];
    expect(task?.attempts).toBeGreaterThanOrEqual(2);

    const events = await runCli(['watch', jobId], env);
    expect(events.stdout).toContain('job.resumed');
    expect(events.stdout.indexOf('job.submitted')).toBeLessThan(events.stdout.indexOf('job.resumed'));

    const completed = view.tasks.filter((t) => t.status === 'completed').map((t) => t.id).sort();
    const taskCommits = (await commitMessages(view.repo))
      .map((c) => /^Task: (\S+)$/m.exec(c.message)?.[1])
      .filter((id): id is string => id !== undefined)
      .sort();
    expect(taskCommits).toEqual(completed);
    execFileSync('git', ['fsck', '--strict'], { cwd: view.repo });
  });
});
