import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJobEvents } from '../cli/sse.js';
import { AcceptanceReport, JobView, type JobEvent } from '../proto/index.js';
import { expectCommitsMatchTasks, fsckJobRepo } from './helpers/commits.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { REPO_ROOT } from './helpers/env.js';

/**
 * The whole pipeline with competent answers: recorded model answers for
 * examples/todo-api through the real daemon, NATS, git, validation rules in
 * the sandbox and the acceptance phase. Only the model is replayed.
 */
const EXAMPLE = join(REPO_ROOT, 'examples', 'todo-api');
const PROMPT = readFileSync(join(EXAMPLE, 'prompt.md'), 'utf8').trim();
const SPEC = readFileSync(join(EXAMPLE, 'openapi.yaml'), 'utf8');
const recording = (name: string) => join(EXAMPLE, 'recordings', name, 'recording.json');

async function runJob(daemon: TestDaemon): Promise<{ view: JobView; events: JobEvent[] }> {
  const res = await daemon.api('/jobs', { method: 'POST', json: { prompt: PROMPT, spec: SPEC } });
  expect(res.status).toBe(201);
  const { jobId } = JobView.parse(await res.json());
  const stream = await daemon.api(`/jobs/${jobId}/events`);
  const events: JobEvent[] = [];
  for await (const event of readJobEvents(stream.body as ReadableStream<Uint8Array>)) events.push(event);
  const view = JobView.parse(await (await daemon.api(`/jobs/${jobId}`)).json());
  return { view, events };
}

const ofType = <T extends JobEvent['type']>(events: JobEvent[], type: T) => events.filter((e): e is Extract<JobEvent, { type: T }> => e.type === type);

function replayConfig(name: string) {
  const model = { provider: 'replay', path: recording(name) };
  return { gpu: 'cpu', retryBaseMs: 50, maxRetries: 1, acceptanceRounds: 3, models: { master: model, worker: model } };
}

const CASES = [
  ['correct', 'completed'],
  ['buggy', 'completed'],
  ['never-fixed', 'failed'],
] as const;
type CaseName = (typeof CASES)[number][0];

/**
 * The three jobs run at once, each on a daemon of its own (the recording is a
 * daemon setting): they wait mostly on sandboxes, so side by side they take
 * little longer than the slowest one (issue 21).
 */
const runs = new Map<CaseName, { daemon: TestDaemon; view: JobView; events: JobEvent[] }>();
const daemons: TestDaemon[] = [];
beforeAll(async () => {
  await Promise.all(
    CASES.map(async ([name]) => {
      const daemon = await startTestDaemon(replayConfig(name));
      daemons.push(daemon);
      runs.set(name, { daemon, ...(await runJob(daemon)) });
    }),
  );
}, 420_000);
afterAll(async () => {
  await Promise.all(daemons.map((daemon) => daemon.cleanup()));
});

describe.each(CASES)('todo-api on the %s recording, end to end', (name, outcome) => {
  it(`ends ${outcome}, and the status says exactly what acceptance found`, async () => {
    const run = runs.get(name);
    if (!run) throw new Error(`the ${name} job did not run`);
    const { daemon, view, events } = run;
    const story = JSON.stringify(events.map((e) => [e.type, 'taskId' in e ? e.taskId : '', 'error' in e ? e.error.code : '']));
    expect(view.status, story).toBe(outcome);
    const acceptance = view.acceptance;
    expect(acceptance, story).toBeTruthy();
    if (!acceptance) return;
    expect(acceptance.total).toBeGreaterThan(20);
    const integrating = ofType(events, 'job.integrating');
    const checks = ofType(events, 'acceptance.check');
    expect(integrating.length).toBe(acceptance.round);
    // Every check of the last round was published, one event each, and agrees with the summary.
    const lastRound = checks.filter((c) => c.round === acceptance.round);
    expect(lastRound.length).toBe(acceptance.total);
    expect(lastRound.filter((c) => c.result.status === 'passed').length).toBe(acceptance.passed);
    const report = AcceptanceReport.parse(JSON.parse(readFileSync(join(daemon.home, 'jobs', view.jobId, 'acceptance', `round-${acceptance.round}.json`), 'utf8')));
    expect(report.passed).toBe(acceptance.passed);
    const fixes = ofType(events, 'task.created').filter((e) => e.reason === 'acceptance');

    if (name === 'correct') {
      expect(acceptance.passed).toBe(acceptance.total);
      expect(acceptance.round).toBe(1);
      expect(fixes).toEqual([]);
      expect(ofType(events, 'job.accepted')).toHaveLength(1);
    }
    if (name === 'buggy') {
      expect(acceptance.passed).toBe(acceptance.total);
      expect(acceptance.round).toBeGreaterThanOrEqual(2);
      expect(fixes.length).toBeGreaterThanOrEqual(1);
      // The first round failed, and its failures were what the fix task was given.
      const first = checks.filter((c) => c.round === 1 && c.result.status === 'failed');
      expect(first.length).toBeGreaterThan(0);
      expect(view.tasks.find((t) => t.id === fixes[0]?.taskId)?.status).toBe('completed');
    }
    if (name === 'never-fixed') {
      expect(view.error?.code).toBe('acceptance_failed');
      expect(acceptance.round).toBe(3);
      expect(acceptance.failed).toBeGreaterThan(0);
      expect(acceptance.failures.length).toBeGreaterThan(0);
      expect(ofType(events, 'job.accepted')).toEqual([]);
    }
    // Every task was held to its rules: none completed with a rule that did not pass.
    for (const done of ofType(events, 'task.completed')) {
      const rules = done.output.validation.rules ?? [];
      if (done.output.validation.verdict === 'passed') expect(rules.every((r) => r.status === 'passed')).toBe(true);
    }
    await expectCommitsMatchTasks(view.repo, view.tasks, { onePerTask: false });
    await fsckJobRepo(view.repo, view.status);
  });
});
