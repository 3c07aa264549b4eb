import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../daemon/daemon-file.js';
import { DaemonInfo, JobRecord, JobView } from '../proto/index.js';
import { runCli } from './helpers/cli.js';
import { TINY_CONFIG, TINY_MODEL, tempDir, writeConfig } from './helpers/env.js';

describe('failure is state: a Master action that throws, through the real daemon and CLI', () => {
  const home = tempDir('master-failure');
  writeConfig(home.path, TINY_CONFIG);
  const env = { AUTODEV_HOME: home.path, AUTODEV_MODEL: TINY_MODEL, AUTODEV_FAILPOINTS: 'master-guard' };
  afterAll(async () => {
    await runCli(['daemon', 'stop'], env);
    const file = join(home.path, 'daemon.json');
    const info = existsSync(file) ? DaemonInfo.safeParse(JSON.parse(readFileSync(file, 'utf8'))) : null;
    if (info?.success && isProcessAlive(info.data.pid)) process.kill(info.data.pid, 'SIGKILL');
    home.cleanup();
  });

  it('ends the job failed with code internal, saved, and submit --wait returns with exit code 1', async () => {
    const res = await runCli(['submit', 'Build a hello world CLI', '--wait', '--json'], env);
    expect(res.code, res.stderr).toBe(1);
    const view = JobView.parse(JSON.parse(res.stdout));
    expect(view.status).toBe('failed');
    expect(view.error).toMatchObject({ code: 'internal', message: expect.stringContaining('failpoint master-guard') });
    // The failure is on disk, not only in the answer: a restart would not resume it as running.
    const [jobDir] = readdirSync(join(home.path, 'jobs'));
    const record = JobRecord.parse(JSON.parse(readFileSync(join(home.path, 'jobs', jobDir as string, 'job.json'), 'utf8')));
    expect(record).toMatchObject({ status: 'failed', error: { code: 'internal' } });
    // cancel answers at once: the job is over, nothing waits forever.
    const cancelled = await runCli(['cancel', view.jobId, '--json'], env, 20_000);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ error: { code: 'conflict', message: expect.stringContaining('already failed') } });
  });

  it('refuses to start with an unknown failpoint, naming it', async () => {
    const res = await runCli(['daemon', 'stop'], env);
    expect(res.code).toBe(0);
    const bad = await runCli(['daemon', 'start', '--json'], { ...env, AUTODEV_FAILPOINTS: 'master-guard,nope' });
    expect(bad.code).not.toBe(0);
    // The CLI points at the daemon's log, which names the failpoint.
    expect(bad.stderr).toContain('daemon.log');
    expect(readFileSync(join(home.path, 'daemon.log'), 'utf8')).toContain('unknown failpoints: nope');
  });
});
