import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initJobRepo } from '../actors/git/repo.js';
import { roughTokens } from '../actors/llm/replay-model.js';
import { makeTask } from '../machines/task.fixture.js';
import { JOB_RECORD_VERSION, JobRecord, JobView, isTerminalJobStatus } from '../proto/index.js';
import { Recording } from '../proto/recording.js';
import { runCli } from './helpers/cli.js';
import { REPO_ROOT, tempDir, waitUntil, writeConfig } from './helpers/env.js';

/**
 * Issue 22, sections 2 and 3, through the real CLI and daemon processes with
 * a replayed model: a task committed with a failed verdict is `needs_fix`
 * (task.committed, never task.completed); planning's tokens are counted;
 * status shows times and usage while the job runs; and an attempt the
 * daemon itself cut short costs the task no retry.
 */
const RECORDING = join(REPO_ROOT, 'test', 'fixtures', 'task-states', 'recording.json');
const SEEDED = 'jresumed01';

/** What the replay model charges for the Master's two planning answers (acceptance checks, plan). */
function expectedPlanningTokens(): number {
  const recording = Recording.parse(JSON.parse(readFileSync(RECORDING, 'utf8')));
  return recording.answers.slice(0, 2).reduce((sum, entry) => sum + roughTokens(JSON.stringify(entry.attempts[0]?.json)), 0);
}

/** A job as a daemon killed mid-attempt leaves it: its one task `running`, attempt 1 in flight, one retry allowed. */
async function seedInterruptedJob(home: string): Promise<void> {
  const dir = join(home, 'jobs', SEEDED);
  const repo = join(dir, 'repo');
  mkdirSync(repo, { recursive: true });
  await initJobRepo(repo, [{ path: 'AUTODEV.md', content: `# Job ${SEEDED}\n` }], `chore: start job ${SEEDED}\n\nJob: ${SEEDED}\n`);
  const at = new Date().toISOString();
  const task = makeTask('t1', {
    type: 'docs',
    description: 'Write hello.txt with a greeting',
    status: 'running',
    attempts: 1,
    maxRetries: 1,
    assignedWorker: 'a-worker-of-the-killed-daemon',
    validationRules: [{ kind: 'file_exists', path: 'hello.txt' }],
    inFlightTokens: 42,
  });
  const record = JobRecord.parse({
    schemaVersion: JOB_RECORD_VERSION, id: SEEDED, prompt: 'Write hello.txt with a greeting', spec: null, blueprint: null,
    status: 'running', repo, createdAt: at, updatedAt: at, tasks: [task], error: null, acceptance: null,
  });
  writeFileSync(join(dir, 'job.json'), `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

describe('task states and costs, through the CLI and a real daemon', () => {
  const home = tempDir('states-costs');
  const env = { AUTODEV_HOME: home.path };
  const status = async (jobId: string) => {
    const res = await runCli(['status', jobId, '--json'], env);
    return JobView.parse(JSON.parse(res.stdout));
  };
  const settle = async (jobId: string) => {
    if (!isTerminalJobStatus((await status(jobId)).status)) await runCli(['cancel', jobId, '--reason', 'test done'], env);
    await waitUntil(async () => isTerminalJobStatus((await status(jobId)).status), 60_000, `${jobId} to end`);
  };

  afterAll(async () => {
    await runCli(['daemon', 'stop'], env);
    home.cleanup();
  });

  it('needs_fix, planning usage, times and live usage, and no retry charged for an interrupted attempt', async () => {
    const model = { provider: 'replay', path: RECORDING };
    writeConfig(home.path, { gpu: 'cpu', retryBaseMs: 50, maxRetries: 1, acceptanceRounds: 1, models: { master: model, worker: model } });
    await seedInterruptedJob(home.path);
    const started = await runCli(['daemon', 'start', '--json'], env);
    expect(started.code, started.stderr).toBe(0);

    const submitted = await runCli(['submit', 'Write hello.txt with a greeting', '--json'], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    const { jobId } = JobView.parse(JSON.parse(submitted.stdout));

    // While the job runs, status counts what was spent so far and how long it has run.
    let live: JobView | null = null;
    await waitUntil(async () => {
      const view = await status(jobId);
      if (!isTerminalJobStatus(view.status) && (view.tokensUsed ?? 0) > 0) live ??= view;
      return view.tasks.some((t) => t.id === 't1-fix1' && t.status === 'completed') || isTerminalJobStatus(view.status);
    }, 120_000, 'the fix task to complete');
    expect(live, 'a status read while the job ran').not.toBeNull();
    const running = live as unknown as JobView;
    expect(running.endedAt).toBeNull();
    expect(running.startedAt).toBe(running.createdAt);
    expect(running.durationMs).toBeGreaterThan(0);
    // Read live, so planning may still be under way: counted as it is spent, never more than it will total.
    expect(running.usage?.planning.tokens).toBeGreaterThan(0);
    expect(running.usage?.planning.tokens).toBeLessThanOrEqual(expectedPlanningTokens());
    const text = await runCli(['status', jobId], env);
    expect(text.stdout).toMatch(/^usage: [1-9]\d* tok/m);
    expect(text.stdout).toMatch(/^time: started \S+, (running for|ended)/m);

    // The committed attempt with a failed rule: needs_fix, task.committed, and never task.completed.
    const fixed = await status(jobId);
    expect(fixed.tasks.find((t) => t.id === 't1')).toMatchObject({ status: 'needs_fix', verdict: 'failed', attempts: 1 });
    expect(fixed.tasks.find((t) => t.id === 't1-fix1')).toMatchObject({ status: 'completed', verdict: 'passed' });
    await settle(jobId);
    const events = await runCli(['watch', jobId], env);
    const t1Lines = events.stdout.split('\n').filter((line) => / t1 task\./.test(line) && !line.includes(' task.progress'));
    expect(t1Lines.map((line) => line.split(' ')[2]?.replace(/:$/, ''))).toEqual(['task.dispatched', 'task.committed']);
    expect(t1Lines[1]).toContain('with verdict failed; a fix task follows');
    expect(events.stdout.indexOf(' t1 task.committed')).toBeLessThan(events.stdout.indexOf(' t1-fix1 task.created'));

    // After the end: when it ended, how long it took, and every model call counted once.
    const ended = await status(jobId);
    expect(ended.endedAt).toBeTruthy();
    expect(ended.durationMs).toBe(Date.parse(ended.endedAt ?? '') - Date.parse(ended.startedAt ?? ''));
    expect(ended.usage?.planning.tokens).toBe(expectedPlanningTokens());
    const taskTokens = ended.tasks.reduce((sum, t) => sum + (t.tokensUsed ?? 0), 0);
    expect(ended.tokensUsed).toBe(expectedPlanningTokens() + taskTokens);
    expect(ended.tasks.find((t) => t.id === 't1')?.tokensUsed).toBeGreaterThan(0);

    // The seeded job resumed: its interrupted attempt cost no retry, so the one real failure was retried and passed.
    await waitUntil(async () => {
      const t1 = (await status(SEEDED)).tasks.find((t) => t.id === 't1');
      return t1?.status === 'completed' || t1?.status === 'failed';
    }, 120_000, 'the resumed task to settle');
    const resumed = await status(SEEDED);
    const t1 = resumed.tasks.find((t) => t.id === 't1');
    expect(t1, JSON.stringify(resumed)).toMatchObject({ status: 'completed', attempts: 3, interruptedAttempts: 1 });
    // The interrupted attempt's 42 tokens so far stay counted.
    expect(t1?.tokensUsed).toBeGreaterThan(42);
    await settle(SEEDED);
  }, 300_000);
});
