import { describe, expect, it } from 'vitest';
import { createSubjects, type JobEvent, type TaskProgress } from '../../proto/index.js';
import { silentLogger } from '../log/logger.js';
import { MemoryBus } from './memory-bus.js';
import { startProgressRelay } from './progress-relay.js';

const subjects = createSubjects();
const progress = (jobId: string, taskId: string, worker = 'w1'): TaskProgress => ({
  type: 'task.progress',
  jobId,
  taskId,
  at: '2026-01-01T00:00:00.000Z',
  worker,
  phase: 'generating',
  tokens: 12,
});

describe('startProgressRelay', () => {
  it('republishes only well-formed progress of a live task, on the subject that names it', async () => {
    const bus = new MemoryBus();
    const published: JobEvent[] = [];
    const relay = startProgressRelay({
      bus,
      subjects,
      publish: async (event) => void published.push(event),
      accepts: async (event) => event.jobId === 'jlive',
      log: silentLogger,
    });
    bus.publish(subjects.progress('jlive', 't1'), progress('jlive', 't1'));
    // Another job's task named in the payload but not in the subject: a worker aiming elsewhere.
    bus.publish(subjects.progress('jlive', 't1'), progress('jlive', 't2'));
    bus.publish(subjects.progress('jdead', 't1'), progress('jdead', 't1'));
    bus.publish(subjects.progress('jlive', 't1'), { ...progress('jlive', 't1'), type: 'job.completed' });
    bus.publish(subjects.progress('jlive', 't1'), progress('jlive', 't1', 'w'.repeat(201)));
    bus.publish(subjects.progress('jlive', 't1'), progress('jlive', 't1', 'w2'));
    await new Promise((r) => setTimeout(r, 50));
    relay.stop();
    expect(published).toEqual([progress('jlive', 't1'), progress('jlive', 't1', 'w2')]);
  });
});
