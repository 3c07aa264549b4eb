import { describe, expect, it } from 'vitest';
import { fromCallback, fromPromise, type EventObject } from 'xstate';
import { JOB_RECORD_VERSION, type JobEvent, type JobRecord } from '../../proto/index.js';
import { masterMachine, type RunTaskInput } from '../../machines/master.machine.js';
import { makeTask } from '../../machines/task.fixture.js';
import { silentLogger } from '../log/logger.js';
import { runJob } from './job-runner.js';
import type { JobStore } from './job-store.js';

describe('runJob', () => {
  it('saves before it publishes, coalescing the saves of transitions that pile up during a slow write', async () => {
    const log: string[] = [];
    const saved: JobRecord[] = [];
    const store: JobStore = {
      save: async (job) => {
        await new Promise((r) => setTimeout(r, 15));
        saved.push(job);
        log.push(`save:${job.tasks.filter((t) => t.status === 'completed').length}`);
      },
      get: async () => null,
      list: async () => saved,
    };
    const machine = masterMachine.provide({
      actors: {
        planJob: fromPromise(async () => Array.from({ length: 6 }, (_, i) => makeTask(`t${i + 1}`))),
        runTask: fromCallback<EventObject, RunTaskInput>(({ input, sendBack }) => {
          const output = { commit: 'a'.repeat(40), files: ['x'], summary: 's', tokens: 1, validation: { passed: true, issues: [] }, conflicts: [] };
          setTimeout(() => sendBack({ type: 'TASK_SUCCEEDED', taskId: input.task.id, attempt: input.attempt, worker: 'w', output }), 1);
        }),
      },
    });
    const published: JobEvent[] = [];
    const at = '2026-01-01T00:00:00.000Z';
    const job: JobRecord = {
      schemaVersion: JOB_RECORD_VERSION, id: 'j1', prompt: 'p', spec: null, blueprint: null, status: 'planning', repo: '/r',
      createdAt: at, updatedAt: at, tasks: [], error: null,
    };
    const running = runJob(
      {
        machine, store, maxParallel: 6, now: () => new Date(at), log: silentLogger,
        publish: async (event) => {
          published.push(event);
          log.push(`pub:${event.type}${'taskId' in event ? `:${event.taskId}` : ''}`);
        },
      },
      job,
    );
    const final = await running.done;
    expect(final.status).toBe('completed');
    expect(saved.at(-1)?.status).toBe('completed');
    // Every task.completed is published only after a save that already holds that many completed tasks.
    let completedPublished = 0;
    let completedSaved = 0;
    for (const entry of log) {
      if (entry.startsWith('save:')) completedSaved = Number(entry.slice(5));
      if (entry.startsWith('pub:task.completed')) expect(++completedPublished).toBeLessThanOrEqual(completedSaved);
    }
    expect(completedPublished).toBe(6);
    // Far fewer saves than transitions: the slow store made later transitions wait and merge.
    expect(saved.length).toBeLessThan(published.length);
    expect(published.map((e) => e.type).at(-1)).toBe('job.completed');
  });
});
