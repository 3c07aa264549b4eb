import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitMessages } from '../actors/git/repo.js';
import { expectCommitsMatchTasks, fsckJobRepo } from './helpers/commits.js';
import { isProcessAlive } from '../daemon/daemon-file.js';
import { DaemonInfo, JobRecord, JobView } from '../proto/index.js';
import { REPO_ROOT, TINY_CONFIG, TINY_MODEL, tempDir, waitUntil, writeConfig } from './helpers/env.js';
import { runCli } from './helpers/cli.js';

describe('a daemon killed with SIGKILL in the middle of a job', () => {
  const home = tempDir('crash');
  const env = { AUTODEV_HOME: home.path, AUTODEV_MODEL: TINY_MODEL };
  const pids: number[] = [];

  afterAll(async () => {
    await runCli(['daemon', 'stop'], env);
    for (const pid of pids) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
    home.cleanup();
  });

  it('resumes the job after a restart and finishes it with every commit intact', async () => {
    // First run: one task at a time, with answers long enough that one is surely in flight when the daemon dies.
    writeConfig(home.path, {
      ...TINY_CONFIG,
      maxParallelTasks: 1,
      output: { maxFiles: 2, maxLinesPerFile: 40, maxLineChars: 60, maxSummaryChars: 40 },
      taskMaxTokens: 20_000,
    });
    const spec = join(REPO_ROOT, 'examples', 'todo-api', 'openapi.yaml');
    const submitted = await runCli(['submit', 'Build a todo API', '--spec', spec, '--json'], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    const { jobId } = JobView.parse(JSON.parse(submitted.stdout));
    const first = DaemonInfo.parse(JSON.parse(readFileSync(join(home.path, 'daemon.json'), 'utf8')));
    pids.push(first.pid);
    let beforeCrash: JobView | null = null;
    await waitUntil(async () => {
      const res = await runCli(['status', jobId, '--json'], env);
      beforeCrash = JobView.parse(JSON.parse(res.stdout));
      // Committed work: completed, or committed with a failed verdict and given a fix task (needs_fix).
      return beforeCrash.tasks.some((t) => t.status === 'completed' || t.status === 'needs_fix') && beforeCrash.tasks.some((t) => t.status === 'running');
    }, 90_000, 'a completed task and a running one');
    const natsPid = Number(execFileSync('pgrep', ['-f', join(home.path, 'nats', 'nats.conf')]).toString().trim());
    pids.push(natsPid);

    process.kill(first.pid, 'SIGKILL');
    await waitUntil(() => !isProcessAlive(first.pid), 5000, 'the daemon to die');
    const before = JobRecord.parse(JSON.parse(readFileSync(join(home.path, 'jobs', jobId, 'job.json'), 'utf8')));
    expect(before.status).toBe('running');
    const doneBefore = before.tasks.filter((t) => t.status === 'completed' || t.status === 'needs_fix');
    expect(doneBefore.length).toBeGreaterThan(0);

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
    // Tasks completed before the crash were not run again: same attempt count, same commit.
    const after = JobRecord.parse(JSON.parse(readFileSync(join(home.path, 'jobs', jobId, 'job.json'), 'utf8')));
    for (const done of doneBefore) {
      const now = after.tasks.find((t) => t.id === done.id);
      expect(now?.attempts, done.id).toBe(done.attempts);
      expect(now?.output?.commit, done.id).toBe(done.output?.commit);
    }
    expect(beforeCrash).not.toBeNull();

    const events = await runCli(['watch', jobId], env);
    expect(events.stdout).toContain('job.resumed');
    expect(events.stdout.indexOf('job.submitted')).toBeLessThan(events.stdout.indexOf('job.resumed'));

    // Every commit that existed before the crash is still in the history.
    const history = new Set((await commitMessages(view.repo)).map((c) => c.oid));
    for (const done of doneBefore) expect(history.has(done.output?.commit ?? '')).toBe(true);
    // A task re-dispatched after the crash may commit again under a new attempt.
    await expectCommitsMatchTasks(view.repo, view.tasks, { onePerTask: false });
    await fsckJobRepo(view.repo, view.status);
  });
});
