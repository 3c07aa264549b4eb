import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthResponse, JobEvent, JobView } from '../proto/index.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { REPO_ROOT, TINY_CONFIG, TINY_MODEL, tempDir, waitUntil, writeConfig } from './helpers/env.js';
import { startTestNats, type TestNats } from './helpers/nats.js';

describe('workers in separate processes, one of them killed mid-job', () => {
  let nats: TestNats;
  let daemon: TestDaemon;
  const workerHome = tempDir('workers');
  const workers: ChildProcess[] = [];
  // Slow enough answers that a task is surely in flight when its worker dies.
  const config = {
    ...TINY_CONFIG,
    localWorkers: false,
    workAckWaitMs: 2000,
    heartbeatMs: 300,
    taskMaxTokens: 6000,
    output: { maxFiles: 3, maxLinesPerFile: 12, maxLineChars: 60, maxSummaryChars: 40 },
  };

  beforeAll(async () => {
    nats = await startTestNats();
    const url = nats.server.url.replace('nats://', `nats://${nats.server.user}:${nats.server.password}@`);
    daemon = await startTestDaemon({ ...config, model: TINY_MODEL }, { natsUrl: url });
    writeConfig(workerHome.path, config);
    for (let i = 0; i < 2; i++) {
      const child = spawn(
        process.execPath,
        [join(REPO_ROOT, 'bin', 'autodevd.js'), 'worker', '--nats', url, '--home', workerHome.path, '--model', TINY_MODEL],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      workers.push(child);
    }
  });
  afterAll(async () => {
    for (const child of workers) if (child.exitCode === null) child.kill('SIGKILL');
    await daemon?.cleanup();
    await nats?.stop();
    workerHome.cleanup();
  });

  const health = async () => HealthResponse.parse(await (await daemon.api('/health')).json());

  it('redelivers the dead worker\'s task to the other worker and finishes the job', async () => {
    await waitUntil(async () => new Set((await health()).workers.filter((w) => w.alive).map((w) => w.process)).size === 2, 30_000, 'two worker processes');
    const spec = readFileSync(join(REPO_ROOT, 'examples', 'todo-api', 'openapi.yaml'), 'utf8');
    const submitted = JobView.parse(await (await daemon.api('/jobs', { method: 'POST', json: { prompt: 'Todo API', spec } })).json());

    const events: JobEvent[] = [];
    const controller = new AbortController();
    const reading = (async () => {
      const res = await daemon.api(`/jobs/${submitted.jobId}/events`, { signal: controller.signal });
      const { readJobEvents } = await import('../cli/sse.js');
      for await (const event of readJobEvents(res.body as ReadableStream<Uint8Array>)) events.push(event);
    })().catch(() => undefined);

    // Kill whichever process is generating the first task.
    await waitUntil(() => events.some((e) => e.type === 'task.progress' && e.phase === 'generating'), 60_000, 'a task in progress');
    const victim = events.find((e): e is Extract<JobEvent, { type: 'task.progress' }> => e.type === 'task.progress' && e.phase === 'generating');
    expect(victim).toBeDefined();
    const pid = Number(/-(\d+)-[a-z]+-\d+$/.exec(victim?.worker ?? '')?.[1]);
    const child = workers.find((w) => w.pid === pid);
    expect(child, `worker process of ${victim?.worker}`).toBeDefined();
    child?.kill('SIGKILL');

    await reading;
    const final = JobView.parse(await (await daemon.api(`/jobs/${submitted.jobId}`)).json());
    expect(['completed', 'failed']).toContain(final.status);
    // The killed attempt was picked up again by the surviving process.
    const takeovers = events.filter(
      (e) => e.type === 'task.progress' && e.phase === 'started' && e.taskId === victim?.taskId && !e.worker.includes(`-${pid}-`),
    );
    expect(takeovers.length).toBeGreaterThan(0);
    await waitUntil(async () => (await health()).workers.some((w) => w.process.endsWith(`-${pid}`) && !w.alive), 10_000, 'the dead worker to be noticed');
  });
});
