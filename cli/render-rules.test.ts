import { describe, expect, it } from 'vitest';
import { JobEvent, JobView } from '../proto/index.js';
import { applyEvent, initialWatchState, renderJobView } from './render.js';

const commit = 'abcdef0123456789abcdef0123456789abcdef01';
const rules = [
  { rule: { kind: 'server_starts' as const }, status: 'passed' as const, detail: 'the app started and listened on PORT' },
  { rule: { kind: 'http' as const, operationIds: ['createBook'] }, status: 'unverified' as const, detail: 'the acceptance suite has no operation createBook' },
  { rule: { kind: 'file_exists' as const, path: 'README.md' }, status: 'failed' as const, detail: 'README.md does not exist \u001b[31m' },
];

describe('rule results in the CLI', () => {
  it('status shows each task verdict and one line per rule, unverified as unverified, control characters made safe', () => {
    const view = JobView.parse({
      jobId: 'j1', status: 'running', repo: '/r', prompt: 'p', createdAt: '2026-01-01T00:00:00.000Z', error: null,
      tasks: [{ id: 't1', type: 'backend', status: 'completed', attempts: 1, verdict: 'failed', rules }, { id: 't2', type: 'docs', status: 'pending', attempts: 0 }],
    });
    const lines = renderJobView(view);
    expect(lines.slice(2, 7)).toEqual([
      '  ✔ t1 [backend] completed (attempts: 1)',
      '      verdict: failed (rules 1/3 passed, 1 failed, 1 unverified)',
      '        passed     the app installs, builds and starts with npm start, listening on PORT — the app started and listened on PORT',
      '        unverified the acceptance checks of createBook pass against the running app — the acceptance suite has no operation createBook',
      expect.stringMatching(/^ {8}failed {5}README\.md exists — README\.md does not exist (?!\u001b)/),
    ]);
    expect(lines[7]).toBe('  · t2 [docs] pending (attempts: 0)');
  });

  it('the watch tree notes a completed task\'s verdict and rule counts', () => {
    const planned = JobEvent.parse({ type: 'job.planned', jobId: 'j1', at: '2026-01-01T00:00:00.000Z', tasks: [{ id: 't1', type: 'backend', description: 'api', dependencies: [], priority: 5 }] });
    const done = JobEvent.parse({
      type: 'task.completed', jobId: 'j1', taskId: 't1', at: '2026-01-01T00:00:01.000Z',
      output: { commit, files: ['a.js'], summary: 's', tokens: 1, conflicts: [], validation: { passed: false, issues: [], verdict: 'unverified', rules: rules.slice(0, 2).map((r) => ({ ...r, durationMs: 1 })) } },
    });
    const state = applyEvent(applyEvent(initialWatchState('j1'), planned), done);
    expect(state.tasks.get('t1')?.note).toBe('1 file(s), abcdef01, verdict unverified, rules 1/2 passed, 1 unverified');
  });
});
