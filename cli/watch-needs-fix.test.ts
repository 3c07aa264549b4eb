import { describe, expect, it } from 'vitest';
import { JobEvent, JobView, type TaskOutput } from '../proto/index.js';
import { describeEvent } from './follow.js';
import { renderJobView, renderTree } from './render.js';
import { timeLine, usageLine } from './render-usage.js';
import { createWatchStore, initialWatchState } from './watch-store.js';

const jobId = 'jfix1';
const at = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;
const failedRules: TaskOutput = {
  commit: 'abcdef0123456789abcdef0123456789abcdef01',
  files: ['src/app.ts'],
  summary: 'app',
  tokens: 40,
  validation: {
    passed: false,
    issues: ['rule failed'],
    verdict: 'failed',
    rules: [{ rule: { kind: 'file_exists', path: 'src/server.ts' }, status: 'failed', detail: 'missing', durationMs: 1 }],
  },
  conflicts: [],
};

describe('watch: a task committed with a failed verdict', () => {
  const events = [
    { type: 'job.planned', jobId, at: at(1), tasks: [{ id: 't1', type: 'backend', description: 'API', dependencies: [], priority: 5 }] },
    { type: 'task.dispatched', jobId, taskId: 't1', at: at(2), role: 'backend', attempt: 1 },
    { type: 'task.committed', jobId, taskId: 't1', at: at(3), attempt: 1, verdict: 'failed', conflicts: [], output: failedRules },
    {
      type: 'task.created', jobId, taskId: 't1-fix1', at: at(4), reason: 'fix', fixOf: 't1',
      task: { id: 't1-fix1', type: 'backend', description: 'Fix the validation failures of t1', dependencies: ['t1'], priority: 6 },
    },
  ].map((e) => JobEvent.parse(e));

  it('shows the task as needing a fix, never as completed, with its verdict beside it', () => {
    const store = createWatchStore(initialWatchState(jobId));
    for (const event of events) store.send(event);
    const tree = renderTree(store.getSnapshot().context);
    expect(tree[1]).toBe('└─ ✎ t1 [backend] API  needs a fix: committed abcdef01, verdict failed, rules 0/1 passed, 1 failed');
    expect(tree.join('\n')).not.toContain('✔');
    expect(describeEvent(events[2]!)).toBe(`${at(3)} t1 task.committed: attempt 1 committed abcdef01 with verdict failed; a fix task follows`);
  });
});

describe('status: usage and times', () => {
  const view = JobView.parse({
    jobId, status: 'running', repo: '/r', prompt: 'p', createdAt: at(0), startedAt: at(0), endedAt: null, durationMs: 75_000, error: null,
    tasks: [
      { id: 't1', type: 'backend', status: 'needs_fix', attempts: 1, tokensUsed: 40, verdict: 'failed' },
      { id: 't1-fix1', type: 'backend', status: 'running', attempts: 2, tokensUsed: 130, inFlightTokens: 90, interruptedAttempts: 1 },
    ],
    tokensUsed: 470, costUsd: 0, usage: { planning: { tokens: 300 }, tasks: { tokens: 80 }, inFlightTokens: 90 }, acceptance: null,
  });

  it('counts planning and the running attempt, never "0 tok" while tokens are being generated', () => {
    expect(usageLine(view)).toBe('usage: 470 tok (planning 300 tok; t1 40 tok; t1-fix1 130 tok, 90 so far in the running attempt)');
  });

  it('says when the job started and how long it has run, and when it ended once it did', () => {
    expect(timeLine(view)).toBe(`time: started ${at(0)}, running for 1m 15s`);
    expect(timeLine({ ...view, status: 'completed', endedAt: at(59), durationMs: 59_000 })).toBe(`time: started ${at(0)}, ended ${at(59)}, took 59s`);
    // An older daemon's view has no times: nothing is made up.
    expect(timeLine({ ...view, startedAt: undefined, durationMs: undefined })).toBeNull();
  });

  it('names an interrupted attempt as costing no retry', () => {
    expect(renderJobView(view)).toContain('  ▶ t1-fix1 [backend] running (attempts: 2, 1 cut short by a daemon restart (no retry charged))');
    expect(renderJobView(view)).toContain('  ✎ t1 [backend] needs_fix (attempts: 1)');
  });
});
