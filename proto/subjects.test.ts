import { describe, expect, it } from 'vitest';
import { JobId, newJobId, TaskId, taskIdForIndex } from './ids.js';
import { JobEvent } from './events.js';
import { createSubjects, DEFAULT_SUBJECT_PREFIX, eventStreamName, snapshotName, subjectForEvent, workConsumerName } from './subjects.js';
import { formatTrailers, parseTrailers, validationTrailer } from './trailers.js';

const AT = '2026-01-01T00:00:00.000Z';

describe('createSubjects', () => {
  it('builds every subject under the default prefix', () => {
    const s = createSubjects();
    expect(s.prefix).toBe(DEFAULT_SUBJECT_PREFIX);
    expect(s.allJobEvents).toBe('autodev.job.>');
    expect(s.job.all('j1')).toBe('autodev.job.j1.>');
    expect(s.job.event('j1', 'planned')).toBe('autodev.job.j1.planned');
    expect(s.task.event('j1', 't2', 'completed')).toBe('autodev.job.j1.task.t2.completed');
    expect(s.work('backend', 'j1', 't2')).toBe('autodev.work.backend.j1.t2');
    expect(s.workForRole('docs')).toBe('autodev.work.docs.>');
    expect(s.workForJob('j1')).toBe('autodev.work.*.j1.>');
    expect(s.workReply('j1', 't2', 3)).toBe('autodev.reply.j1.t2.3');
    expect(s.cancelJob('j1')).toBe('autodev.cmd.job.j1.cancel');
    expect(s.cancelAnyJob).toBe('autodev.cmd.job.*.cancel');
  });

  it('moves the whole tree under a custom prefix', () => {
    const s = createSubjects('acme.dev-1');
    expect(s.allJobEvents).toBe('acme.dev-1.job.>');
    expect(s.task.event('j9', 't1', 'failed')).toBe('acme.dev-1.job.j9.task.t1.failed');
    expect(s.work('testing', 'j9', 't1')).toBe('acme.dev-1.work.testing.j9.t1');
    expect(s.cancelJob('j9')).toBe('acme.dev-1.cmd.job.j9.cancel');
  });

  it.each(['', '.autodev', 'autodev.', 'a..b', 'a b', 'a.*', 'a.>', 'auto/dev', 'ü'])('rejects the prefix %j', (prefix) => {
    expect(() => createSubjects(prefix)).toThrow(TypeError);
  });
});

describe('subjectForEvent', () => {
  const s = createSubjects('org.autodev');

  it('publishes a job event on the job subject named after its type', () => {
    const event = JobEvent.parse({ type: 'job.planning', jobId: 'j1', at: AT });
    expect(subjectForEvent(s, event)).toBe('org.autodev.job.j1.planning');
  });

  it('publishes a task event on the task subject named after its type', () => {
    const event = JobEvent.parse({
      type: 'task.blocked',
      jobId: 'j1',
      taskId: 't3',
      at: AT,
      blockedBy: 't1',
    });
    expect(subjectForEvent(s, event)).toBe('org.autodev.job.j1.task.t3.blocked');
  });

  it('lands inside the job wildcard that the stream captures', () => {
    const event = JobEvent.parse({ type: 'job.completed', jobId: 'jx', at: AT });
    const subject = subjectForEvent(s, event);
    expect(subject.startsWith(s.allJobEvents.slice(0, -1))).toBe(true);
    expect(subject.split('.').pop()).toBe(event.type.split('.')[1]);
  });
});

describe('eventStreamName', () => {
  it('upper-cases the prefix and replaces characters a stream name cannot hold', () => {
    expect(eventStreamName('autodev')).toBe('AUTODEV_EVENTS');
    expect(eventStreamName('acme.dev-1')).toBe('ACME_DEV-1_EVENTS');
  });
});

describe('ids', () => {
  it('newJobId is a valid JobId', () => {
    for (const random of [() => 0, () => 0.5, () => 0.999999999]) {
      const id = newJobId(new Date(), random);
      expect(JobId.safeParse(id).success).toBe(true);
      expect(id).toMatch(/^j[0-9a-z]+$/);
    }
    expect(JobId.safeParse(newJobId()).success).toBe(true);
  });

  it('newJobId sorts by creation time, whatever the random part', () => {
    const times = [Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 1, 0, 0, 0, 1), Date.UTC(2026, 5, 1), Date.UTC(2040, 11, 31)];
    const randoms = [0.99, 0.5, 0, 0.25];
    const idsInOrder = times.map((t, i) => newJobId(new Date(t), () => randoms[i]!));
    expect([...idsInOrder].sort()).toEqual(idsInOrder);
    expect(new Set(idsInOrder).size).toBe(times.length);
  });

  it('newJobId differs for the same instant when the random part differs', () => {
    const now = new Date(Date.UTC(2026, 0, 1));
    expect(newJobId(now, () => 0.1)).not.toBe(newJobId(now, () => 0.2));
  });

  it('taskIdForIndex counts from t1 and yields valid TaskIds', () => {
    expect([0, 1, 9].map(taskIdForIndex)).toEqual(['t1', 't2', 't10']);
    expect(TaskId.safeParse(taskIdForIndex(0)).success).toBe(true);
  });

  it('JobId refuses tokens that would break a subject', () => {
    for (const bad of ['', 'a.b', 'a*', 'a>', 'A1', 'a b', '-a']) expect(JobId.safeParse(bad).success).toBe(false);
  });

  it('builds the contracts outside subscribers and the work queue share: every-job wildcard, consumer and snapshot names, trailers', () => {
    const subjects = createSubjects('acme.dev');
    expect(subjects.job.eventOfAnyJob('completed')).toBe('acme.dev.job.*.completed');
    expect(workConsumerName('backend')).toBe('workers-backend');
    expect(snapshotName('j1', 'a'.repeat(40))).toBe(`j1.${'a'.repeat(40)}`);
    const message = `t1 (backend): x\n\nbody: not a trailer\n\n${formatTrailers({ Job: 'j1', Task: 't1', Role: 'backend', Attempt: '2', Validation: validationTrailer({ passed: false, issues: ['a', 'b'] }) })}\n`;
    expect(parseTrailers(message)).toEqual({ Job: 'j1', Task: 't1', Role: 'backend', Attempt: '2', Validation: '2 issue(s)' });
  });
});
