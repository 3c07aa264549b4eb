import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSONCodec, connect, type NatsConnection, type Subscription } from 'nats';
import { JobView, createSubjects, eventStreamName, newJobId, type JobEvent } from '../proto/index.js';
import { NatsCredentials } from '../proto/nats-credentials.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { REPO_ROOT, tempDir, waitUntil, writeConfig } from './helpers/env.js';
import { collectLines, runCli } from './helpers/cli.js';
import { startTestNats } from './helpers/nats.js';

/**
 * Issue 19 item 6: the daemon's token is no longer the only NATS credential.
 * Workers and observers get users of their own, limited by nats-server
 * itself, and the CLI takes a job's outcome from its record, never from an
 * event. Everything here goes through the real daemon, its real nats-server
 * and the built CLI and worker.
 */
const EXAMPLE = join(REPO_ROOT, 'examples', 'todo-api');
const PROMPT = readFileSync(join(EXAMPLE, 'prompt.md'), 'utf8').trim();
const SPEC = join(EXAMPLE, 'openapi.yaml');
const model = { provider: 'replay', path: join(EXAMPLE, 'recordings', 'correct', 'recording.json') };
// No local workers: the job waits in the work queue until the remote worker of the last test joins.
const config = { gpu: 'cpu', retryBaseMs: 50, maxRetries: 1, localWorkers: false, heartbeatMs: 300, models: { master: model, worker: model } };

const codec = JSONCodec<unknown>();
const subjects = createSubjects();
const at = () => new Date().toISOString();

/** What nats.js rejects a refused operation with. */
const violation = (operation: 'publish' | 'subscription', subject: string) =>
  expect.objectContaining({ code: 'PERMISSIONS_VIOLATION', message: expect.stringContaining(`${operation === 'publish' ? 'Publish' : 'Subscription'} to "${subject}"`) });

async function subscriptionError(sub: Subscription): Promise<unknown> {
  try {
    for await (const _ of sub) return new Error('a message arrived');
    return new Error('the subscription ended without an error');
  } catch (error) {
    return error;
  }
}

describe('NATS users per role, and clients that trust only the job record', () => {
  let daemon: TestDaemon;
  let admin: NatsConnection;
  let worker: NatsCredentials;
  let observer: NatsCredentials;
  const heard: string[] = [];
  const children: ChildProcess[] = [];
  const workerHome = tempDir('nats-worker');
  const natsLog = () => readFileSync(join(daemon.home, 'nats', 'nats.log'), 'utf8');

  /** Nothing on `subject` reached a full-access subscriber, and the event stream stored nothing there. */
  async function expectNothingStored(subject: string): Promise<void> {
    await admin.flush();
    expect(heard.filter((s) => s === subject)).toEqual([]);
    const jsm = await admin.jetstreamManager();
    await expect(jsm.streams.getMessage(eventStreamName(subjects.prefix), { last_by_subj: subject })).rejects.toMatchObject({ code: '404' });
  }

  beforeAll(async () => {
    daemon = await startTestDaemon(config);
    admin = await connect({ servers: daemon.natsUrl, user: 'autodev', pass: daemon.token, name: 'test-admin' });
    const all = admin.subscribe(subjects.allJobEvents);
    void (async () => {
      for await (const msg of all) heard.push(msg.subject);
    })();
    await admin.flush();
  }, 60_000);
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await admin?.close();
    await daemon?.cleanup();
    workerHome.cleanup();
  });

  it('hands out worker and observer credentials only for the token, and neither is the token', async () => {
    expect((await fetch(`${daemon.apiUrl}/nats/credentials/worker`)).status).toBe(401);
    expect((await daemon.api('/nats/credentials/admin')).status).toBe(400);
    worker = NatsCredentials.parse(await (await daemon.api('/nats/credentials/worker')).json());
    observer = NatsCredentials.parse(await (await daemon.api('/nats/credentials/observer')).json());
    for (const c of [worker, observer]) {
      expect(c.url).toBe(daemon.natsUrl);
      expect(c.password).not.toContain(daemon.token);
      expect(c.password.length).toBeGreaterThanOrEqual(32);
    }
    expect(worker.password).not.toBe(observer.password);
    expect(observer.publish).toEqual([]);
    // Through the CLI too, as a user gets them.
    const cli = await runCli(['events', 'credentials', '--json'], { AUTODEV_HOME: daemon.home });
    expect(cli.code, cli.stderr).toBe(0);
    expect(NatsCredentials.parse(JSON.parse(cli.stdout))).toEqual(observer);
  });

  it('a worker cannot publish job events, nor subscribe to replies, events or the daemon\'s inbox', async () => {
    const nc = await connect({ servers: worker.url, user: worker.user, pass: worker.password, inboxPrefix: worker.inboxPrefix ?? undefined });
    try {
      const jobId = newJobId();
      const js = nc.jetstream();
      const forged: JobEvent[] = [
        { type: 'job.accepted', jobId, at: at(), round: 9, passed: 33, total: 33, commit: 'a'.repeat(40) },
        { type: 'job.completed', jobId, at: at() },
      ];
      for (const event of forged) {
        const subject = subjects.job.event(jobId, event.type.split('.')[1] ?? '');
        await expect(js.publish(subject, codec.encode(event))).rejects.toEqual(violation('publish', subject));
        nc.publish(subject, codec.encode(event));
        await expectNothingStored(subject);
      }
      for (const subject of [subjects.workReply(jobId, 't1', 1), subjects.anyWorkReply, subjects.allJobEvents, subjects.job.all(jobId), '_INBOX.>', '>']) {
        expect(await subscriptionError(nc.subscribe(subject))).toEqual(violation('subscription', subject));
      }
    } finally {
      await nc.close();
    }
  });

  it('an observer hears job events and can publish nothing at all', async () => {
    const nc = await connect({ servers: observer.url, user: observer.user, pass: observer.password });
    try {
      const sub = nc.subscribe(subjects.allJobEvents);
      await nc.flush();
      const jobId = newJobId();
      const event: JobEvent = { type: 'job.planning', jobId, at: at() };
      admin.publish(subjects.job.event(jobId, 'planning'), codec.encode(event));
      for await (const msg of sub) {
        expect(msg.subject).toBe(subjects.job.event(jobId, 'planning'));
        expect(codec.decode(msg.data)).toEqual(event);
        break;
      }
      const refused = [subjects.job.event(jobId, 'completed'), subjects.heartbeat, subjects.workReply(jobId, 't1', 1), subjects.cancelJob(jobId), subjects.progress(jobId, 't1'), '$JS.API.INFO'];
      for (const subject of refused) nc.publish(subject, codec.encode({ type: 'job.completed', jobId, at: at() }));
      await nc.flush();
      await waitUntil(() => refused.every((s) => natsLog().includes(`Publish Violation - User "observer", Subject "${s}"`)), 5_000, 'the server to log each refused publish');
      await expectNothingStored(subjects.job.event(jobId, 'completed'));
      await expect(nc.jetstream().publish(subjects.job.event(jobId, 'completed'), codec.encode({}))).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    } finally {
      await nc.close();
    }
  });

  it('submit --wait and watch keep waiting through a forged completed; a remote worker with the worker credential works; the record ends them', async () => {
    const env = { AUTODEV_HOME: daemon.home };
    const submit = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'autodev.js'), 'submit', PROMPT, '--spec', SPEC, '--wait', '--json'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(submit);
    const submitted = collectLines(submit);
    let jobId = '';
    await waitUntil(async () => {
      const { jobs } = (await (await daemon.api('/jobs')).json()) as { jobs: JobView[] };
      const running = jobs.find((j) => j.status === 'running');
      jobId = running?.jobId ?? '';
      return Boolean(running);
    }, 120_000, 'the job to be planned and running');
    const watch = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'autodev.js'), 'watch', jobId], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(watch);
    const watched = collectLines(watch);
    let watchErr = '';
    watch.stderr?.on('data', (d: Buffer) => (watchErr += d.toString()));
    await waitUntil(() => watched.lines.some((l) => l.includes('job.planned')), 30_000, 'watch to replay the plan');

    // The attack of the issue, with the one credential that still may publish events.
    const js = admin.jetstream();
    await js.publish(subjects.job.event(jobId, 'accepted'), codec.encode({ type: 'job.accepted', jobId, at: at(), round: 9, passed: 33, total: 33, commit: 'a'.repeat(40) }));
    await js.publish(subjects.job.event(jobId, 'completed'), codec.encode({ type: 'job.completed', jobId, at: at() }));
    await waitUntil(() => watched.lines.some((l) => l.endsWith(' job.completed')), 15_000, 'watch to get the forged event');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(submit.exitCode, 'submit --wait ended on a forged event').toBeNull();
    expect(watch.exitCode, 'watch ended on a forged event').toBeNull();
    expect(watchErr).toContain(`got job.completed for ${jobId}, but its record says running`);
    expect(JobView.parse(await (await daemon.api(`/jobs/${jobId}`)).json()).status).toBe('running');

    // A remote worker joins with the worker credential only, and does its job.
    const credentials = join(workerHome.path, 'worker.json');
    const written = await runCli(['workers', 'credentials', '--out', credentials], env);
    expect(written.code, written.stderr).toBe(0);
    expect(statSync(credentials).mode & 0o777).toBe(0o600);
    writeConfig(workerHome.path, config);
    // The earlier tests provoked violations on purpose; only what the real worker does from here counts.
    const logFrom = natsLog().length;
    const remote = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'autodevd.js'), 'worker', '--credentials', credentials, '--home', workerHome.path, '--workers', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(remote);
    let remoteErr = '';
    remote.stderr?.on('data', (d: Buffer) => (remoteErr += d.toString()));
    const events: JobEvent[] = [];
    const controller = new AbortController();
    void (async () => {
      const res = await daemon.api(`/jobs/${jobId}/events`, { signal: controller.signal });
      const { readJobEvents } = await import('../cli/sse.js');
      for await (const event of readJobEvents(res.body as ReadableStream<Uint8Array>)) events.push(event);
    })().catch(() => undefined);
    const byRemote = (e: JobEvent) => e.type === 'task.progress' && e.worker.includes(`-${remote.pid}-`);
    await waitUntil(() => events.some(byRemote), 60_000, `progress from the remote worker (its stderr: ${remoteErr})`);
    const taskId = events.find(byRemote)?.type === 'task.progress' ? (events.find(byRemote) as Extract<JobEvent, { type: 'task.progress' }>).taskId : '';
    // Its reply reached the daemon: the task moved on to validation or ended.
    await waitUntil(
      () => events.some((e) => 'taskId' in e && e.taskId === taskId && ['validation.stage', 'task.completed', 'task.failed'].includes(e.type)),
      120_000,
      `the daemon to act on the remote worker's reply (its stderr: ${remoteErr})`,
    );
    controller.abort();
    expect(natsLog().slice(logFrom)).not.toMatch(/Violation/);
    expect(remoteErr).not.toContain('snapshot missing');

    // Only the record ends the wait.
    expect((await daemon.api(`/jobs/${jobId}/cancel`, { method: 'POST', json: { reason: 'test over' } })).status).toBe(200);
    const [submitCode, watchCode] = await Promise.all([submitted.exited, watched.exited]);
    expect(JobView.parse(JSON.parse(submitted.lines.at(-1) ?? '{}')).status).toBe('cancelled');
    expect(submitCode).toBe(1);
    expect(watchCode).toBe(1);
    expect(watched.lines.join('\n')).toContain(`job ${jobId}: cancelled`);
  }, 360_000);
});

describe('a daemon on an external NATS server', () => {
  it('hands out no credentials, and says how to make them on that server', async () => {
    const nats = await startTestNats();
    const url = nats.server.url.replace('nats://', `nats://${nats.server.user}:${nats.server.password}@`);
    const daemon = await startTestDaemon({ gpu: 'cpu', localWorkers: false }, { natsUrl: url });
    try {
      const res = await daemon.api('/nats/credentials/observer');
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error: { code: 'conflict', message: expect.stringContaining('docs/events.md') } });
    } finally {
      await daemon.cleanup();
      await nats.stop();
    }
  }, 60_000);
});
