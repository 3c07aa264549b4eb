import { describe, expect, it } from 'vitest';
import type { RequirementResult } from '../proto/index.js';
import { harness, summary, task } from './master.fixture.js';

const requirement = (id: string, verdict: RequirementResult['verdict'], reason = 'why'): RequirementResult => ({ id, text: `requirement ${id}`, verdict, checks: [], reason });

describe('master machine: a job completes only when no requirement failed', () => {
  it('fails a job whose app passed every check but not a requirement, with requirements_failed and the reason', async () => {
    const failing = [requirement('r1', 'failed', 'no TypeScript source files'), requirement('r2', 'passed'), requirement('r3', 'not_checkable')];
    const h = harness({ plan: [task('t1')], accept: [{ summary: summary(1, { requirements: failing }), fixes: [] }], maxAcceptanceRounds: 1 });
    h.actor.start();
    await h.settle();
    h.succeed('t1');
    await h.settle();
    const { job } = h.actor.getSnapshot().context;
    expect(h.actor.getSnapshot().value).toBe('failed');
    expect(job.error?.code).toBe('requirements_failed');
    expect(job.error?.message).toContain('r1 "requirement r1": no TypeScript source files');
    expect(h.notices.map((n) => n.type)).not.toContain('job.accepted');
    expect(h.notices.find((n) => n.type === 'job.requirements')).toEqual({ type: 'job.requirements', jobId: 'j1', round: 1, requirements: failing });
  });

  it('gives a failed requirement a fix round while rounds are left, then completes when it passes', async () => {
    const h = harness({
      plan: [task('t1')],
      accept: [
        { summary: summary(1, { requirements: [requirement('r1', 'failed')] }), fixes: [{ ownerTaskId: 't1', problems: ['requirement r1 not met'] }] },
        { summary: summary(2, { requirements: [requirement('r1', 'passed')] }), fixes: [] },
      ],
    });
    h.actor.start();
    await h.settle();
    h.succeed('t1');
    await h.settle();
    h.succeed('t1-accept1');
    await h.settle();
    expect(h.actor.getSnapshot().value).toBe('completed');
    expect(h.notices.filter((n) => n.type === 'job.requirements').map((n) => (n.type === 'job.requirements' ? n.requirements[0]?.verdict : null))).toEqual(['failed', 'passed']);
  });

  it('completes with requirements that are not checkable: they are listed as such, and do not fail the job', async () => {
    const listed = [requirement('r1', 'passed'), requirement('r2', 'not_checkable', 'no PostgreSQL server runs in the sandbox')];
    const h = harness({ plan: [task('t1')], accept: [{ summary: summary(1, { requirements: listed }), fixes: [] }] });
    h.actor.start();
    await h.settle();
    h.succeed('t1');
    await h.settle();
    expect(h.actor.getSnapshot().value).toBe('completed');
    expect(h.actor.getSnapshot().context.job.acceptance?.last?.requirements).toEqual(listed);
  });
});
