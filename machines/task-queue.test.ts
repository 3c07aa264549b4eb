import { describe, expect, it } from 'vitest';
import { TaskQueue } from './task-queue.js';
import { makeTask } from './task.fixture.js';

const output = { commit: 'a'.repeat(40), files: ['x'], summary: 's', tokens: 1, validation: { passed: true, issues: [] }, conflicts: [] };

describe('TaskQueue', () => {
  it('gives the next ready task by priority and moves on as tasks complete', () => {
    let queue = new TaskQueue()
      .addTask(makeTask('t1', { priority: 2 }))
      .addTask(makeTask('t2', { priority: 9 }))
      .addTask(makeTask('t3', { dependencies: ['t1', 't2'], priority: 10 }));
    expect(queue.getNextTask()?.id).toBe('t2');
    expect(queue.getReadyTasks().map((t) => t.id)).toEqual(['t2', 't1']);
    queue = queue.markCompleted('t2', output);
    expect(queue.getReadyTasks().map((t) => t.id)).toEqual(['t1']);
    queue = queue.markCompleted('t1', output);
    expect(queue.getNextTask()?.id).toBe('t3');
    queue = queue.markFailed('t3', { code: 'task_failed', message: 'x' });
    expect(queue.getNextTask()).toBeUndefined();
    expect(queue.tasks.find((t) => t.id === 't3')?.lastError?.message).toBe('x');
  });

  it('refuses duplicates, unknown dependencies and unknown ids', () => {
    const queue = new TaskQueue([makeTask('t1')]);
    expect(() => queue.addTask(makeTask('t1'))).toThrow(/already exists/);
    expect(() => queue.addTask(makeTask('t2', { dependencies: ['t9'] }))).toThrow(/unknown task\(s\) t9/);
    expect(() => queue.markCompleted('t7', output)).toThrow(/no task t7/);
  });

  it('is immutable: operations return a new queue', () => {
    const queue = new TaskQueue([makeTask('t1')]);
    queue.markCompleted('t1', output);
    expect(queue.tasks[0]?.status).toBe('pending');
  });
});
