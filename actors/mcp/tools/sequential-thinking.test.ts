import { describe, expect, it } from 'vitest';
import { callTool } from '../tool.js';
import { ThinkingStore, type ThinkingPlan } from '../thinking-store.js';
import { executeStep, iterateUntilSuccess, planSteps, validateStep } from './sequential-thinking.js';

describe('sequential_thinking tools, called as definitions', () => {
  it('walks a plan through a real store, which reports every change for saving', async () => {
    const saved: ThinkingPlan[][] = [];
    const deps = { jobId: 'j1', store: new ThinkingStore({ onChange: (_job, plans) => saved.push(plans) }) };
    await callTool(planSteps, { taskId: 't1', goal: 'add a route', steps: [{ title: 'write it' }, { title: 'test it', check: 'npm test passes' }], maxAttempts: 2 }, deps);
    expect((await callTool(executeStep, { taskId: 't1' }, deps)).step).toMatchObject({ index: 0, status: 'in_progress', attempts: 1 });
    expect((await callTool(validateStep, { taskId: 't1', passed: true }, deps)).next).toBe('run step 1 ("test it") with execute_step');
    await callTool(executeStep, { taskId: 't1' }, deps);
    await callTool(validateStep, { taskId: 't1', passed: false, notes: 'one test fails' }, deps);
    const again = await callTool(iterateUntilSuccess, { taskId: 't1', lesson: 'mock the clock' }, deps);
    expect(again).toMatchObject({ retry: true, attempts: 1, maxAttempts: 2 });
    expect(deps.store.get('j1', 't1')?.steps[1]?.notes).toEqual(['one test fails', 'mock the clock']);
    expect(saved.length).toBe(6);
    await expect(callTool(executeStep, { taskId: 'nope' }, deps)).rejects.toThrow(/no plan for task "nope"/);
  });
});
