import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { JobView, isTerminalJobStatus } from '../proto/index.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { TINY_CONFIG, TINY_MODEL, waitUntil } from './helpers/env.js';

describe('an API model as the worker role: tokens and dollars per task and per job, shown by autodev status', () => {
  let upstream: TestDaemon;
  let daemon: TestDaemon;
  beforeAll(async () => {
    // The "API" is another daemon's OpenAI-compatible endpoint over the tiny local model.
    upstream = await startTestDaemon({ ...TINY_CONFIG, model: TINY_MODEL, localWorkers: false, memory: { enabled: false } });
    daemon = await startTestDaemon({
      ...TINY_CONFIG,
      model: TINY_MODEL,
      memory: { enabled: false },
      models: {
        worker: {
          provider: 'openai',
          baseUrl: `${upstream.apiUrl}/v1`,
          model: 'worker',
          apiKey: upstream.token,
          sendGrammar: true,
          maxRetries: 1,
          pricing: { inputPerMTok: 3, outputPerMTok: 15 },
        },
      },
    });
  });
  afterAll(async () => {
    await daemon?.cleanup();
    await upstream?.cleanup();
  });

  it('prices the worker\'s generations and adds them up per task and per job', async () => {
    const submitted = JobView.parse(await (await daemon.api('/jobs', { method: 'POST', json: { prompt: 'Build a todo REST API' } })).json());
    let final: JobView = submitted;
    await waitUntil(async () => {
      final = JobView.parse(await (await daemon.api(`/jobs/${submitted.jobId}`)).json());
      return isTerminalJobStatus(final.status);
    }, 120_000, 'the job to end');
    const worked = final.tasks.filter((t) => (t.tokensUsed ?? 0) > 0);
    expect(worked.length).toBeGreaterThan(0);
    // The job's total is its tasks' and its planning's (the plan and the acceptance checks the Master's model wrote).
    expect(final.tokensUsed).toBe(final.tasks.reduce((n, t) => n + (t.tokensUsed ?? 0), 0) + (final.usage?.planning.tokens ?? 0));
    const priced = final.tasks.filter((t) => (t.costUsd ?? 0) > 0);
    expect(priced.length).toBeGreaterThan(0);
    // At $15 per million output tokens, a task costs at least its tokens' output price.
    for (const task of priced) expect(task.costUsd).toBeGreaterThanOrEqual(((task.tokensUsed ?? 0) * 15) / 1e6 - 1e-9);
    expect(final.costUsd).toBeCloseTo(final.tasks.reduce((n, t) => n + (t.costUsd ?? 0), 0) + (final.usage?.planning.costUsd ?? 0), 9);

    const health = await (await daemon.api('/health')).text();
    expect(health).toContain('"provider":"openai"');
    expect(health).not.toContain(upstream.token);

    let stdout = '';
    const code = await main(['status', submitted.jobId, '--home', daemon.home], { stdout: (t) => void (stdout += t), stderr: () => {}, interactive: false, env: {} });
    expect([0, 1]).toContain(code);
    expect(stdout).toMatch(new RegExp(`usage: \\d+(\\.\\d+k)? tok, \\$${(final.costUsd ?? 0).toFixed(4).replace('.', '\\.')}`));
  });
});
