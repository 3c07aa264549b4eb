import { describe, expect, it } from 'vitest';
import { Task, type ModelPlanTask } from '../proto/index.js';
import { planDefaults } from '../actors/master/roles.js';
import { findBackEdges, normalizePlan } from './plan.js';

const defaults = planDefaults(3);

function modelTask(key: string, overrides: Partial<ModelPlanTask> = {}): ModelPlanTask {
  return {
    key,
    type: 'backend',
    description: `do ${key}`,
    dependsOn: [],
    priority: 5,
    estimatedMinutes: 5,
    validationRules: [{ kind: 'file_exists', path: 'src/index.js' }],
    ...overrides,
  };
}

describe('normalizePlan', () => {
  it('assigns ids t1..tn by index and resolves dependency keys', () => {
    const { tasks, repairs } = normalizePlan(
      {
        tasks: [
          modelTask('api server'),
          modelTask('ui', { type: 'frontend', dependsOn: ['api server'] }),
          modelTask('tests', { type: 'testing', dependsOn: [' api server ', 'ui'], priority: 9, estimatedMinutes: 30 }),
        ],
      },
      defaults,
    );
    expect(repairs).toEqual([]);
    expect(tasks.map((t) => t.id)).toEqual(['t1', 't2', 't3']);
    expect(tasks.map((t) => t.dependencies)).toEqual([[], ['t1'], ['t1', 't2']]);
    const t3 = tasks[2]!;
    expect(t3).toMatchObject({
      type: 'testing',
      priority: 9,
      estimatedTime: 30,
      attempts: 0,
      maxRetries: 3,
      status: 'pending',
      assignedWorker: null,
      prompt: 'do tests',
      tools: [...defaults.toolsByRole.testing],
      validationRules: [{ kind: 'file_exists', path: 'src/index.js' }],
      output: null,
      lastError: null,
    });
    // Every normalized task is a valid wire Task.
    for (const task of tasks) expect(Task.safeParse(task).success).toBe(true);
  });

  it('drops unknown dependencies with a repair note', () => {
    const { tasks, repairs } = normalizePlan(
      { tasks: [modelTask('a'), modelTask('b', { dependsOn: ['a', 'ghost'] })] },
      defaults,
    );
    expect(tasks[1]!.dependencies).toEqual(['t1']);
    expect(repairs).toEqual(['t2: dropped unknown dependency "ghost"']);
  });

  it('drops self-dependencies with a repair note', () => {
    const { tasks, repairs } = normalizePlan({ tasks: [modelTask('a', { dependsOn: ['a'] })] }, defaults);
    expect(tasks[0]!.dependencies).toEqual([]);
    expect(repairs).toEqual(['t1: dropped self-dependency']);
  });

  it('collapses a dependency listed twice', () => {
    const { tasks } = normalizePlan({ tasks: [modelTask('a'), modelTask('b', { dependsOn: ['a', 'a'] })] }, defaults);
    expect(tasks[1]!.dependencies).toEqual(['t1']);
  });

  it('keeps duplicate keys as separate tasks, routes references to the first, and notes it', () => {
    const { tasks, repairs } = normalizePlan(
      { tasks: [modelTask('x'), modelTask('x', { type: 'docs' }), modelTask('y', { dependsOn: ['x'] })] },
      defaults,
    );
    expect(tasks.map((t) => t.id)).toEqual(['t1', 't2', 't3']);
    expect(tasks[2]!.dependencies).toEqual(['t1']);
    expect(repairs).toHaveLength(1);
    expect(repairs[0]).toContain('t2');
    expect(repairs[0]).toContain('"x"');
  });

  it('breaks a two-task cycle and leaves no back edges', () => {
    const { tasks, repairs } = normalizePlan(
      { tasks: [modelTask('a', { dependsOn: ['b'] }), modelTask('b', { dependsOn: ['a'] })] },
      defaults,
    );
    expect(findBackEdges(tasks)).toEqual([]);
    const edges = tasks.flatMap((t) => t.dependencies.map((d) => `${t.id}->${d}`));
    expect(edges).toHaveLength(1);
    expect(repairs.filter((r) => r.includes('to break a cycle'))).toHaveLength(1);
  });

  it('breaks longer and overlapping cycles while keeping acyclic edges', () => {
    const { tasks, repairs } = normalizePlan(
      {
        tasks: [
          modelTask('a', { dependsOn: ['c'] }),
          modelTask('b', { dependsOn: ['a'] }),
          modelTask('c', { dependsOn: ['b', 'd'] }),
          modelTask('d', { dependsOn: ['c'] }),
          modelTask('e', { dependsOn: ['a', 'd'] }),
        ],
      },
      defaults,
    );
    expect(findBackEdges(tasks)).toEqual([]);
    // e's edges never closed a cycle, so they survive.
    expect(tasks[4]!.dependencies).toEqual(['t1', 't4']);
    // Two cycles (t1-t3-t2 and t3-t4) cost exactly one edge each: 7 edges in, 5 out.
    expect(repairs.filter((r) => r.includes('to break a cycle'))).toHaveLength(2);
    expect(tasks.flatMap((t) => t.dependencies)).toHaveLength(5);
  });

  it('replaces missing validation rules with the role defaults and keeps given ones', () => {
    const { tasks, repairs } = normalizePlan(
      {
        tasks: [
          modelTask('a', { type: 'docs', validationRules: [] }),
          modelTask('b', { type: 'devops', validationRules: [] }),
          modelTask('c', { validationRules: [{ kind: 'json_valid', path: 'package.json' }] }),
        ],
      },
      defaults,
    );
    expect(tasks[0]!.validationRules).toEqual([...defaults.defaultRulesByRole.docs]);
    expect(tasks[1]!.validationRules).toEqual([...defaults.defaultRulesByRole.devops]);
    expect(tasks[2]!.validationRules).toEqual([{ kind: 'json_valid', path: 'package.json' }]);
    expect(repairs).toEqual(['t1: no validation rules; using the docs defaults', 't2: no validation rules; using the devops defaults']);
  });

  it('replaces a blank description and uses it as the prompt', () => {
    const { tasks } = normalizePlan(
      { tasks: [modelTask('a'), modelTask('b', { type: 'frontend', description: '   ' })] },
      defaults,
    );
    expect(tasks[1]!.description).toBe('frontend task 2');
    expect(tasks[1]!.prompt).toBe('frontend task 2');
    expect(Task.safeParse(tasks[1]).success).toBe(true);
  });

  it('copies the default tool list instead of sharing it', () => {
    const { tasks } = normalizePlan({ tasks: [modelTask('a')] }, defaults);
    expect(tasks[0]!.tools).toEqual([...defaults.toolsByRole.backend]);
    expect(tasks[0]!.tools).not.toBe(defaults.toolsByRole.backend);
  });
});

describe('findBackEdges', () => {
  it('finds nothing in a DAG', () => {
    expect(
      findBackEdges([
        { id: 't1', dependencies: [] },
        { id: 't2', dependencies: ['t1'] },
        { id: 't3', dependencies: ['t1', 't2'] },
      ]),
    ).toEqual([]);
  });

  it('finds the edge that closes a cycle', () => {
    expect(
      findBackEdges([
        { id: 't1', dependencies: ['t3'] },
        { id: 't2', dependencies: ['t1'] },
        { id: 't3', dependencies: ['t2'] },
      ]),
    ).toEqual([['t2', 't1']]);
  });

  it('finds a self loop and ignores references to unknown ids', () => {
    expect(
      findBackEdges([
        { id: 't1', dependencies: ['t1', 'nope'] },
        { id: 't2', dependencies: ['t1'] },
      ]),
    ).toEqual([['t1', 't1']]);
  });
});

describe('task budgets', () => {
  it('gives every planned task the configured per-attempt budget', () => {
    const { tasks } = normalizePlan({ tasks: [modelTask('a'), modelTask('b')] }, planDefaults(3, { maxTokens: 123, timeoutMs: 4567 }));
    expect(tasks.map((t) => t.budget)).toEqual([
      { maxTokens: 123, timeoutMs: 4567 },
      { maxTokens: 123, timeoutMs: 4567 },
    ]);
  });
});
