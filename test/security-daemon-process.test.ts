import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive, readDaemonFile } from '../daemon/daemon-file.js';
import { CorruptJobView, HealthResponse, JobView } from '../proto/index.js';
import { runCli } from './helpers/cli.js';
import { TINY_CONFIG, TINY_MODEL, tempDir, waitUntil, writeConfig } from './helpers/env.js';
import { spawnDaemon, startDaemonProcess, type DaemonProcess } from './helpers/daemon-process.js';

const health = async (daemon: DaemonProcess) => HealthResponse.parse(await (await daemon.api('/health')).json());

/** One home, real `autodevd` processes: what a user's machine sees when things go wrong. */
describe('autodevd under faults, as separate processes on one home', () => {
  const home = tempDir('faults');
  let daemon: DaemonProcess;
  const pids: number[] = [];
  let finishedJobId = '';

  beforeAll(async () => {
    writeConfig(home.path, {
      ...TINY_CONFIG,
      model: TINY_MODEL,
      warmUpModels: false,
      memory: { enabled: false },
      // Heartbeats every 100 ms hit the dead bus many times; the first restart waits long enough to watch the
      // outage even on a loaded machine.
      heartbeatMs: 100,
      natsRestartDelaysMs: [6000, 500],
    });
    daemon = await startDaemonProcess(home.path);
    pids.push(daemon.pid);
  });
  afterAll(async () => {
    await daemon?.stop();
    for (const pid of pids) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
    home.cleanup();
  });

  it('item 7: survives its nats-server being killed: reports it, refuses jobs without saving them, restarts it', async () => {
    const before = await health(daemon);
    expect(before.ok).toBe(true);
    expect(before.nats).toMatchObject({ connected: true, server: 'running', restarts: 0 });
    const natsPid = Number(readFileSync(join(home.path, 'nats', 'nats.pid'), 'utf8'));
    pids.push(natsPid);
    process.kill(natsPid, 'SIGKILL');

    // The client's disconnect can be seen before the server's exit: wait for the supervisor to see the exit too.
    await waitUntil(async () => (await health(daemon)).nats?.server === 'restarting', 5000, '/health to report the server down');
    const down = await health(daemon);
    expect(down.nats).toMatchObject({ connected: false, server: 'restarting' });
    expect(down.nats?.problem).toContain('SIGKILL');
    const refused = await daemon.api('/jobs', { method: 'POST', json: { prompt: 'a job while the bus is down' } });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'bus_unavailable' } });
    expect(readdirSync(join(home.path, 'jobs'))).toEqual([]);

    await waitUntil(async () => (await health(daemon)).ok, 15_000, 'the bus to come back');
    const after = await health(daemon);
    expect(after.nats).toMatchObject({ connected: true, server: 'running', restarts: 1, downSince: null });
    const newNatsPid = Number(readFileSync(join(home.path, 'nats', 'nats.pid'), 'utf8'));
    expect(newNatsPid).not.toBe(natsPid);
    pids.push(newNatsPid);

    const accepted = await daemon.api('/jobs', { method: 'POST', json: { prompt: 'a job after the restart' } });
    expect(accepted.status).toBe(201);
    const job = JobView.parse(await accepted.json());
    finishedJobId = job.jobId;
    // Events still flow through the restarted server's JetStream: the job reaches an end.
    await waitUntil(async () => ['completed', 'failed'].includes(JobView.parse(await (await daemon.api(`/jobs/${job.jobId}`)).json()).status), 90_000, 'the job to end');
    // Long past the ~14 s after which the old daemon died of an unhandled CONNECTION_CLOSED.
    expect(isProcessAlive(daemon.pid)).toBe(true);
    expect(daemon.output()).not.toMatch(/unhandled|uncaught/i);
  }, 120_000);

  it('stops cleanly on SIGTERM: no daemon.json, no lock left', async () => {
    expect(await daemon.stop()).toBe(0);
    expect(existsSync(join(home.path, 'daemon.json'))).toBe(false);
    expect(existsSync(join(home.path, 'daemon.lock'))).toBe(false);
  });

  it('items 14, 15, 17: after a restart over a truncated job.json, a hostile prompt on disk and a 0755 home', async () => {
    const jobsDir = join(home.path, 'jobs');
    const record = readFileSync(join(jobsDir, finishedJobId, 'job.json'), 'utf8');
    // A record written before prompts were checked: ANSI clear-screen, colour and a right-to-left override.
    // Another id of the same shape: the last character changed (an id that already ends in x made this collide, 1 run in 36).
    const hostileId = `${finishedJobId.slice(0, -1)}${finishedJobId.endsWith('x') ? 'y' : 'x'}`;
    mkdirSync(join(jobsDir, hostileId));
    const hostile = { ...(JSON.parse(record) as Record<string, unknown>), id: hostileId, prompt: 'evil\u001b[2J\u001b[31mred\u202egnp.exe' };
    writeFileSync(join(jobsDir, hostileId, 'job.json'), JSON.stringify(hostile));
    writeFileSync(join(jobsDir, finishedJobId, 'job.json'), record.slice(0, record.length / 2));
    chmodSync(home.path, 0o755);
    chmodSync(jobsDir, 0o755);

    daemon = await startDaemonProcess(home.path);
    pids.push(daemon.pid);
    expect(statSync(home.path).mode & 0o777).toBe(0o700);
    expect(statSync(jobsDir).mode & 0o777).toBe(0o700);

    const listed = (await (await daemon.api('/jobs')).json()) as { jobs: JobView[]; corrupt: CorruptJobView[] };
    expect(listed.jobs.map((j) => j.jobId)).toEqual([hostileId]);
    const corrupt = CorruptJobView.parse(listed.corrupt[0]);
    expect(corrupt).toMatchObject({ jobId: finishedJobId, status: 'corrupt' });
    expect(corrupt.reason).toContain('not valid JSON');
    expect(corrupt.recovery).toContain('rename it back');
    expect(readFileSync(corrupt.file, 'utf8')).toBe(record.slice(0, record.length / 2));
    expect(existsSync(join(jobsDir, finishedJobId, 'job.json'))).toBe(false);
    const one = await daemon.api(`/jobs/${finishedJobId}`);
    expect(one.status).toBe(409);
    expect(((await one.json()) as { error: { message: string } }).error.message).toContain('is corrupt');

    const env = { AUTODEV_HOME: home.path };
    const status = await runCli(['status'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`${finishedJobId}  corrupt`);
    expect(status.stdout).toContain('evil\\x1b[2J\\x1b[31mred\\u202egnp.exe');
    expect(status.stdout).not.toMatch(/[\u001b\u202e]/);
    const json = await runCli(['status', '--json'], env);
    expect(() => JSON.parse(json.stdout)).not.toThrow();
  });
});

describe('item 17: a home folder another user owns', () => {
  const home = tempDir('foreign');
  afterAll(() => home.cleanup());

  it.skipIf(process.getuid?.() !== 0)('is refused with a message saying whose it is and what to do', async () => {
    chownSync(home.path, 65534, 65534);
    const started = spawnDaemon(home.path);
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain('belongs to uid 65534');
    expect(started.output()).toContain('--home');
    expect(existsSync(join(home.path, 'daemon.lock'))).toBe(false);
  });
});

describe('item 8: a second daemon started on a home while the first is still starting', () => {
  const home = tempDir('twice');
  const started: Array<ReturnType<typeof spawnDaemon>> = [];
  afterAll(async () => {
    for (const { child } of started) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(started.map((s) => s.exited));
    home.cleanup();
  });

  it('exits non-zero naming the pid that holds the home, and leaves the first one and its nats-server alone', async () => {
    writeConfig(home.path, { gpu: 'cpu', warmUpModels: false, memory: { enabled: false } });
    // triggers.json as a FIFO holds the first daemon mid-start (its nats-server up, no daemon.json yet) until we write it.
    const triggers = join(home.path, 'triggers.json');
    execFileSync('mkfifo', ['-m', '600', triggers]);
    const first = spawnDaemon(home.path);
    started.push(first);
    const natsPidFile = join(home.path, 'nats', 'nats.pid');
    // nats-server creates its pid file before it writes the pid: wait for the number, not the file.
    const pidIn = () => (existsSync(natsPidFile) ? Number(readFileSync(natsPidFile, 'utf8')) : 0);
    await waitUntil(() => pidIn() > 0, 30_000, 'the first daemon to start its nats-server');
    const natsPid = pidIn();
    const second = spawnDaemon(home.path);
    started.push(second);
    const gaveUp = await Promise.race([second.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 30_000))]);
    expect(gaveUp).toBe(1);
    expect(second.output()).toContain(`another autodevd (pid ${first.child.pid})`);
    expect(existsSync(join(home.path, 'daemon.json'))).toBe(false);
    writeFileSync(triggers, JSON.stringify({ version: 1, triggers: [] }));
    await waitUntil(async () => (await readDaemonFile(home.path))?.pid === first.child.pid, 60_000, 'the first daemon to be ready');
    expect(first.child.exitCode).toBeNull();
    expect(isProcessAlive(natsPid)).toBe(true);
    expect(Number(readFileSync(natsPidFile, 'utf8'))).toBe(natsPid);
  });
});
