import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changedFiles, commitMessages } from '../actors/git/repo.js';
import { expectCommitsMatchTasks, fsckJobRepo, taskCommitIds } from './helpers/commits.js';
import { readJobEvents } from '../cli/sse.js';
import { DaemonInfo, HealthResponse, JobView, type JobEvent } from '../proto/index.js';
import { TINY_CONFIG, TINY_EMBEDDER, TINY_MODEL, waitUntil } from './helpers/env.js';
import { LanceMemory } from '../actors/memory/lance-memory.js';
import { loadTransformersEmbedder } from '../actors/memory/transformers-embedder.js';
import { silentLogger } from '../actors/log/logger.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';

async function eventsUntilEnd(daemon: TestDaemon, jobId: string): Promise<JobEvent[]> {
  const res = await daemon.api(`/jobs/${jobId}/events`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: JobEvent[] = [];
  for await (const event of readJobEvents(res.body as ReadableStream<Uint8Array>)) events.push(event);
  return events;
}

describe('daemon control API, in process, on real NATS and the tiny model', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startTestDaemon({ ...TINY_CONFIG, model: TINY_MODEL, models: { embedding: TINY_EMBEDDER } });
  });
  afterAll(async () => daemon?.cleanup());

  it('writes daemon.json with a loopback API and an owner-only token file', () => {
    const info = DaemonInfo.parse(JSON.parse(readFileSync(join(daemon.home, 'daemon.json'), 'utf8')));
    expect(info.pid).toBe(process.pid);
    expect(new URL(info.apiUrl).hostname).toBe('127.0.0.1');
    expect(info.natsUrl).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    expect(statSync(info.tokenFile).mode & 0o777).toBe(0o600);
  });

  it('loads its model right after start, before any job needs it', async () => {
    // The llama.cpp backend is known only once a model has loaded; no job has run yet.
    await waitUntil(
      async () => {
        const health = HealthResponse.parse(await (await daemon.api('/health')).json());
        return health.models?.gpu !== null && health.models?.gpu !== undefined;
      },
      30_000,
      'the models to be warm',
    );
    const jobs = (await (await daemon.api('/jobs')).json()) as { jobs: unknown[] };
    expect(jobs.jobs).toEqual([]);
  });

  it('refuses requests without the right bearer token', async () => {
    const none = await daemon.api('/health', { headers: { authorization: '' } });
    expect(none.status).toBe(401);
    const wrong = await daemon.api('/jobs', { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await daemon.api('/health')).status).toBe(200);
  });

  it('rejects bad bodies and ids with a 400 that names the field', async () => {
    const empty = await daemon.api('/jobs', { method: 'POST', json: { prompt: '   ' } });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: { code: 'bad_request', data: { field: 'prompt' } } });
    const wrongType = await daemon.api('/jobs', { method: 'POST', json: { prompt: 'x', spec: 42 } });
    expect(await wrongType.json()).toMatchObject({ error: { data: { field: 'spec' } } });
    const notJson = await daemon.api('/jobs', { method: 'POST', body: '{oops', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    const badId = await daemon.api('/jobs/BAD.ID');
    expect(badId.status).toBe(400);
    expect(await badId.json()).toMatchObject({ error: { data: { field: 'id' } } });
    expect((await daemon.api('/jobs/jdoesnotexist')).status).toBe(404);
    const badSpec = await daemon.api('/jobs', { method: 'POST', json: { prompt: 'x', spec: 'openapi: 3.0.3\ninfo: {version: "1"}\npaths: {}\n' } });
    expect(badSpec.status).toBe(400);
    const badSpecBody = (await badSpec.json()) as { error: { code: string; message: string; data: { field: string } } };
    expect(badSpecBody.error).toMatchObject({ code: 'bad_request', data: { field: 'spec' } });
    expect(badSpecBody.error.message).toContain("must have required property 'title'");
    const listed = JobView.array().parse(((await (await daemon.api('/jobs')).json()) as { jobs: unknown }).jobs);
    expect(listed).toEqual([]);
  });

  it('runs a job to a terminal state with schema-valid events and one commit per completed task', async () => {
    const res = await daemon.api('/jobs', { method: 'POST', json: { prompt: 'Build a todo REST API', spec: 'GET /todos' } });
    expect(res.status).toBe(201);
    const submitted = JobView.parse(await res.json());
    expect(submitted.status).toBe('planning');

    const events = await eventsUntilEnd(daemon, submitted.jobId);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('job.submitted');
    expect(types).toContain('job.planned');
    expect(['job.completed', 'job.failed']).toContain(types.at(-1));
    expect(events.every((e) => e.jobId === submitted.jobId)).toBe(true);

    const final = JobView.parse(await (await daemon.api(`/jobs/${submitted.jobId}`)).json());
    expect(['completed', 'failed']).toContain(final.status);
    expect(final.tasks.length).toBeGreaterThan(0);
    await expectCommitsMatchTasks(final.repo, final.tasks, { onePerTask: true });
    const committedTasks = (await taskCommitIds(final.repo)).sort();
    const commits = await commitMessages(final.repo);
    expect(commits.at(-1)?.message).toMatch(/^chore: start job/);
    expect(readFileSync(join(final.repo, 'spec', 'input.txt'), 'utf8')).toBe('GET /todos');
    await fsckJobRepo(final.repo, final.status);

    // Memory: every dispatch carried retrieved context, named in the task's output and events,
    // and the job's memory holds each file as its last commit left it.
    const completions = events.flatMap((e) => (e.type === 'task.completed' ? [e] : []));
    for (const event of completions) expect(event.output.contextChunks?.length).toBeGreaterThan(0);
    const memory = await LanceMemory.open({ dir: join(daemon.home, 'memory'), embedder: await loadTransformersEmbedder(TINY_EMBEDDER), log: silentLogger });
    try {
      const store = await memory.forJob(submitted.jobId);
      expect((await store.searchByMetadata({ type: 'api_doc' })).length).toBeGreaterThan(0);
      // Each code chunk names the commit that wrote its file, and that commit is its task's.
      const code = await store.searchByMetadata({ type: 'code' }, 10_000);
      expect(code.length).toBeGreaterThan(0);
      const messages = new Map(commits.map((c) => [c.oid, c.message]));
      for (const chunk of code) {
        expect(messages.get(chunk.metadata.version ?? '')).toMatch(new RegExp(`^Task: ${chunk.metadata.taskId}$`, 'm'));
        expect(await changedFiles(final.repo, chunk.metadata.version!)).toContain(chunk.metadata.source);
      }
      const written = new Set(completions.flatMap((e) => e.output.files));
      for (const file of written) expect(code.some((c) => c.metadata.source === file)).toBe(true);
      expect((await store.searchByMetadata({ type: 'task' })).map((t) => t.metadata.taskId).sort()).toEqual(committedTasks);
    } finally {
      await memory.close();
    }

    // A finished job cannot be cancelled.
    const cancel = await daemon.api(`/jobs/${submitted.jobId}/cancel`, { method: 'POST', json: {} });
    expect(cancel.status).toBe(409);
  });
});

describe('daemon cancellation and configuration errors', () => {
  it('cancels a long job mid-generation and frees its worker', async () => {
    const daemon = await startTestDaemon({
      ...TINY_CONFIG,
      model: TINY_MODEL,
      taskMaxTokens: 400_000,
      output: { maxFiles: 8, maxLinesPerFile: 400, maxLineChars: 200, maxSummaryChars: 60 },
    });
    try {
      const submitted = JobView.parse(await (await daemon.api('/jobs', { method: 'POST', json: { prompt: 'big' } })).json());
      await waitUntil(async () => {
        const view = JobView.parse(await (await daemon.api(`/jobs/${submitted.jobId}`)).json());
        return view.tasks.some((t) => t.status === 'running');
      }, 60_000, 'a running task');
      // The answer itself says cancelled while a 400,000-token generation was under way: the cancel did not wait
      // for it. That, not a wall-clock bound, is what holds on a loaded machine.
      const res = await daemon.api(`/jobs/${submitted.jobId}/cancel`, { method: 'POST', json: { reason: 'test' } });
      expect(res.status).toBe(200);
      const view = JobView.parse(await res.json());
      expect(view.status).toBe('cancelled');
      expect(view.tasks.every((t) => t.status === 'cancelled' || t.status === 'completed' || t.status === 'needs_fix')).toBe(true);
      const events = await eventsUntilEnd(daemon, submitted.jobId);
      expect(events.at(-1)).toMatchObject({ type: 'job.cancelled', reason: 'test' });
      const health = (await (await daemon.api('/health')).json()) as { jobs: { active: number } };
      expect(health.jobs.active).toBe(0);
    } finally {
      await daemon.cleanup();
    }
    expect(existsSync(join(daemon.home, 'daemon.json'))).toBe(false);
  });

  it('answers a submit without a configured model with a 503 that says how to set one', async () => {
    const daemon = await startTestDaemon({ gpu: 'cpu' });
    try {
      const res = await daemon.api('/jobs', { method: 'POST', json: { prompt: 'x' } });
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('model_not_configured');
      expect(body.error.message).toContain('AUTODEV_MODEL');
      expect(body.error.message).toContain('--model');
    } finally {
      await daemon.cleanup();
    }
  });
});
