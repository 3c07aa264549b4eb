import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitMessages } from '../actors/git/repo.js';
import { readJobEvents } from '../cli/sse.js';
import { JobView, VALIDATION_STAGES, type JobEvent } from '../proto/index.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { TINY_CONFIG, TINY_MODEL } from './helpers/env.js';

/**
 * The pipeline wired into a real daemon: every committed attempt was validated
 * stage by stage (published as events), and its commit says so. The tiny
 * model writes nonsense, so whether stages pass is not asserted; that they ran is.
 */
describe('validation inside the daemon (tiny model, bubblewrap sandbox)', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startTestDaemon({
      ...TINY_CONFIG,
      model: TINY_MODEL,
      memory: { enabled: false },
      sandbox: { backend: 'bubblewrap' },
      validation: { audit: false, testTimeoutMs: 20_000 },
      devops: { finalizeOnCompletion: false },
    });
  });
  afterAll(async () => daemon?.cleanup());

  it('publishes every stage of every committed attempt and records the checks in its commit', async () => {
    const submitted = JobView.parse(await (await daemon.api('/jobs', { method: 'POST', json: { prompt: 'Build a tiny REST API for notes' } })).json());
    const res = await daemon.api(`/jobs/${submitted.jobId}/events`);
    const events: JobEvent[] = [];
    for await (const event of readJobEvents(res.body as ReadableStream<Uint8Array>)) events.push(event);
    expect(['job.completed', 'job.failed']).toContain(events.at(-1)?.type);

    // Every committed attempt, whether its verdict passed (task.completed) or its task needs a fix (task.committed):
    // the random-weight model rarely passes every rule, so both count.
    const completed = events.filter((e) => e.type === 'task.completed');
    const committed = events.filter((e) => e.type === 'task.completed' || e.type === 'task.committed');
    expect(committed.length, JSON.stringify(events.map((e) => [e.type, 'error' in e ? e.error : null]))).toBeGreaterThan(0);
    const stages = events.filter((e) => e.type === 'validation.stage');
    for (const done of committed) {
      if (done.type !== 'task.completed' && done.type !== 'task.committed') continue;
      const mine = stages.filter((s) => s.taskId === done.taskId).map((s) => (s.type === 'validation.stage' ? s.result.stage : null));
      // Every stage ran, in order, at least once (a retried task validates each attempt).
      expect(mine.slice(0, VALIDATION_STAGES.length)).toEqual([...VALIDATION_STAGES]);
      expect(done.output.validation.stages?.map((s) => s.stage)).toEqual([...VALIDATION_STAGES]);
      expect(done.output.validation.stages?.find((s) => s.stage === 'unit_tests')?.status).not.toBe('passed');
    }
    const final = JobView.parse(await (await daemon.api(`/jobs/${submitted.jobId}`)).json());
    const messages = await commitMessages(final.repo);
    const taskCommits = messages.filter((c) => /^Task: /m.test(c.message));
    // Attempts that were committed but did not complete their task: a validation failure out of fix tasks, or an unverified rule.
    const committedFailures = events.filter((e) => e.type === 'task.failed' && e.retryInMs === null && ['validation_failed', 'unverified'].includes(e.error.code));
    // Attempts committed with a failed verdict whose fix task took over (task.committed, the task needs_fix).
    const committedForFix = events.filter((e) => e.type === 'task.committed');
    expect(taskCommits.length).toBe(completed.length + committedForFix.length + committedFailures.length);
    for (const c of taskCommits) expect(c.message).toMatch(/\n\nChecks: syntax (passed|failed), lint /);
    execFileSync('git', ['fsck', '--strict'], { cwd: final.repo });
  });
});
