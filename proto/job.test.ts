import { describe, expect, it } from 'vitest';
import { makeTask } from '../machines/task.fixture.js';
import { JOB_RECORD_VERSION, JobRecord, JobView, migrateJobRecord, toJobView, type TaskOutput } from './index.js';

const at = '2026-01-01T00:00:00.000Z';
const record = (overrides: Partial<JobRecord> = {}): JobRecord => ({
  schemaVersion: JOB_RECORD_VERSION, id: 'j1', prompt: 'p', spec: null, blueprint: null, status: 'running', repo: '/r',
  createdAt: at, updatedAt: at, tasks: [], error: null, acceptance: null, ...overrides,
});
const out = (validation: TaskOutput['validation'], conflicts: string[] = []): TaskOutput => ({ commit: 'a'.repeat(40), files: ['a.ts'], summary: 's', tokens: 5, validation, conflicts });

describe('toJobView: costs and times', () => {
  it('adds planning, finished attempts and running attempts into one total, broken down', () => {
    const job = record({
      planningUsage: { tokens: 300, costUsd: 0.02 },
      tasks: [makeTask('t1', { status: 'completed', tokensUsed: 100, costUsd: 0.01 }), makeTask('t2', { status: 'running', attempts: 1, tokensUsed: 20, inFlightTokens: 55, interruptedAttempts: 1 })],
    });
    const view = JobView.parse(toJobView(job, new Date('2026-01-01T00:01:30.000Z')));
    expect(view.tokensUsed).toBe(475);
    expect(view.costUsd).toBeCloseTo(0.03);
    expect(view.usage).toEqual({ planning: { tokens: 300, costUsd: 0.02 }, tasks: { tokens: 120, costUsd: 0.01 }, inFlightTokens: 55 });
    expect(view.tasks[1]).toMatchObject({ tokensUsed: 75, inFlightTokens: 55, interruptedAttempts: 1 });
    // Running: started, no end, and the time so far.
    expect(view).toMatchObject({ startedAt: at, endedAt: null, durationMs: 90_000 });
  });

  it('gives a finished job its end and duration, and an older record its last transition as the end', () => {
    const ended = toJobView(record({ status: 'completed', endedAt: '2026-01-01T00:10:00.000Z', updatedAt: '2026-01-01T00:10:01.000Z' }));
    expect(ended).toMatchObject({ endedAt: '2026-01-01T00:10:00.000Z', durationMs: 600_000 });
    const older = toJobView(record({ status: 'failed', updatedAt: '2026-01-01T00:00:05.000Z' }));
    expect(older).toMatchObject({ endedAt: '2026-01-01T00:00:05.000Z', durationMs: 5000 });
  });
});

describe('migrateJobRecord: tasks committed with a failed verdict', () => {
  it('reads an older record\'s completed-but-failed task as needs_fix, and leaves passed ones completed', () => {
    const old = record({
      tasks: [
        makeTask('t1', { status: 'completed', output: out({ passed: false, issues: ['x'], verdict: 'failed' }) }),
        makeTask('t2', { status: 'completed', output: out({ passed: true, issues: [] }, ['a.ts']) }),
        makeTask('t3', { status: 'completed', output: out({ passed: false, issues: ['y'] }) }),
        makeTask('t4', { status: 'completed', output: out({ passed: true, issues: [], verdict: 'passed' }) }),
        makeTask('t1-fix1', { dependencies: ['t1'], fixOf: 't1' }),
      ],
    });
    const migrated = JobRecord.parse(migrateJobRecord(JSON.parse(JSON.stringify(old))));
    expect(migrated.tasks.map((t) => t.status)).toEqual(['needs_fix', 'needs_fix', 'needs_fix', 'completed', 'pending']);
    // Reading it again changes nothing.
    expect(migrateJobRecord(migrated)).toEqual(migrated);
  });
});
