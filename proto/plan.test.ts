import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { PLAN_GRAMMAR_SCHEMA } from '../actors/master/plan-job.js';
import { MODEL_PLAN_JSON_SCHEMA, ModelPlan } from './plan.js';

const task = { key: 'api', type: 'backend', description: 'the API', dependsOn: [], priority: 5, estimatedMinutes: 15, validationRules: ['tests pass'] };

describe('the plan schema, generated from zod', () => {
  const ajv = new Ajv({ strict: false });
  const check = ajv.compile(MODEL_PLAN_JSON_SCHEMA);

  it('accepts and refuses the same plans as the zod schema', () => {
    const cases = [
      { tasks: [task] },
      { tasks: [] },
      { tasks: [{ ...task, priority: 11 }] },
      { tasks: [{ ...task, estimatedMinutes: 7 }] },
      { tasks: [{ ...task, type: 'manager' }] },
      { tasks: [{ ...task, description: 'x'.repeat(241) }] },
      { tasks: [{ ...task, extra: true }] },
      { tasks: Array.from({ length: 9 }, (_, i) => ({ ...task, key: `k${i}` })) },
    ];
    expect(cases.map((plan) => check(plan))).toEqual(cases.map((plan) => ModelPlan.safeParse(plan).success));
    expect(cases.map((plan) => check(plan))).toEqual([true, false, false, false, false, false, false, false]);
  });

  it('becomes a grammar schema with the same enumerations and bounds', () => {
    const json = JSON.stringify(PLAN_GRAMMAR_SCHEMA);
    expect(json).toContain('"enum":[1,2,5,10,15,30,60]');
    expect(json).toContain('"enum":["backend","frontend","testing","devops","docs"]');
    expect(json).toContain('"maxLength":240');
    expect(json).toContain('"maxItems":8');
  });
});
