import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { PLAN_GRAMMAR_SCHEMA } from '../actors/master/plan-job.js';
import { clipUnits, repairPlanAnswer } from '../machines/plan-repair.js';
import { MODEL_PLAN_JSON_SCHEMA, ModelPlan } from './plan.js';

const task = {
  key: 'api',
  type: 'backend',
  description: 'the API',
  dependsOn: [],
  priority: 5,
  estimatedMinutes: 15,
  validationRules: [{ kind: 'server_starts' }],
};
/** The value at a path of keys in a JSON value, or undefined. */
function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = typeof current === 'object' && current !== null ? Object.entries(current).find(([k]) => k === key)?.[1] : undefined;
  return current;
}
const withRule = (rule: unknown) => ({ tasks: [{ ...task, validationRules: [rule] }] });

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
      // Rules were prose once; a string is no rule now.
      { tasks: [{ ...task, validationRules: ['tests pass'] }] },
      { tasks: [{ ...task, validationRules: Array.from({ length: 4 }, () => ({ kind: 'server_starts' })) }] },
    ];
    expect(cases.map((plan) => check(plan))).toEqual(cases.map((plan) => ModelPlan.safeParse(plan).success));
    expect(cases.map((plan) => check(plan))).toEqual([true, false, false, false, false, false, false, false, false, false]);
  });

  it('agrees with zod on every rule the JSON schema can express', () => {
    const rules: Array<[unknown, boolean]> = [
      [{ kind: 'file_exists', path: 'src/server.js' }, true],
      [{ kind: 'json_valid', path: 'package.json' }, true],
      [{ kind: 'file_mentions', path: 'README.md', texts: ['/todos', '/todos/{id}'] }, true],
      [{ kind: 'command_succeeds', command: 'node --check src/server.js', stdoutMatches: null }, true],
      [{ kind: 'command_succeeds', command: 'npm test', stdoutMatches: 'pass' }, true],
      [{ kind: 'http', operationIds: ['listTodos'] }, true],
      [{ kind: 'tests_pass', glob: 'test/**/*.test.js' }, true],
      [{ kind: 'server_starts' }, true],
      [{ kind: 'server_starts', path: 'x' }, false],
      [{ kind: 'deploys' }, false],
      [{ kind: 'file_exists' }, false],
      [{ kind: 'file_exists', path: '' }, false],
      [{ kind: 'file_mentions', path: 'README.md', texts: [] }, false],
      [{ kind: 'command_succeeds', command: 'npm test' }, false],
      [{ kind: 'command_succeeds', command: 'x'.repeat(501), stdoutMatches: null }, false],
      [{ kind: 'http', operationIds: [] }, false],
      [{ kind: 'tests_pass', glob: 'test/a b.js' }, false],
      [{ kind: 'tests_pass', glob: 'test/[ab].js' }, false],
    ];
    const ajvSays = rules.map(([rule]) => check(withRule(rule)));
    expect(ajvSays).toEqual(rules.map(([rule]) => ModelPlan.safeParse(withRule(rule)).success));
    expect(ajvSays).toEqual(rules.map(([, ok]) => ok));
  });

  // Refinements zod runs that a JSON schema (and so a grammar or an API model's
  // check) cannot: the answer keeps the schema, and the repair drops the rule.
  it.each([
    ['a path out of the tree', { kind: 'file_exists', path: '../etc/passwd' }],
    ['an absolute path', { kind: 'json_valid', path: '/etc/passwd' }],
    ['a path inside .git', { kind: 'file_mentions', path: '.git/config', texts: ['x'] }],
    ['a glob with ..', { kind: 'tests_pass', glob: '../**/*.js' }],
    ['an absolute glob', { kind: 'tests_pass', glob: '/**/*.js' }],
  ])('refuses %s only in zod, and the repair drops that rule', (_, rule) => {
    const plan = { tasks: [{ ...task, validationRules: [rule, { kind: 'server_starts' }] }] };
    expect(check(plan)).toBe(true);
    expect(ModelPlan.safeParse(plan).success).toBe(false);
    const { answer, repairs } = repairPlanAnswer(plan);
    const repaired = ModelPlan.parse(answer);
    expect(repaired.tasks[0]?.validationRules).toEqual([{ kind: 'server_starts' }]);
    expect(repairs).toEqual([expect.stringMatching(new RegExp(`^task 1: dropped rule 1 \\(${rule.kind}\\): (path|glob): `))]);
    // The note names the problem, never the model's path.
    expect(repairs[0]).not.toContain('etc/passwd');
  });

  it('clips text that decoded longer than the grammar let it be', () => {
    // llama.cpp's grammar takes a broken UTF-8 sequence as one character; decoded, it is several U+FFFD.
    const long = (n: number) => `${'x'.repeat(n - 4)}\ufffd\ufffd\ufffd\ufffd`;
    const plan = { tasks: [{ ...task, key: long(27), description: long(243), dependsOn: [long(27)] }] };
    expect(ModelPlan.safeParse(plan).success).toBe(false);
    const { answer, repairs } = repairPlanAnswer(plan);
    const repaired = ModelPlan.parse(answer).tasks[0];
    expect(repaired?.description).toBe(long(243).slice(0, 240));
    expect(repaired?.key).toBe(long(27).slice(0, 24));
    expect(repaired?.dependsOn).toEqual([repaired?.key]);
    expect(repairs).toEqual(['task 1: clipped its key to 24 characters', 'task 1: clipped its description to 240 characters']);
    expect(clipUnits('ab\u{1F642}', 3)).toBe('ab');
  });

  it('leaves a wrong shape for the schema to refuse, so the model is asked again', () => {
    const plan = { tasks: [{ ...task, priority: 0 }] };
    const { answer, repairs } = repairPlanAnswer(plan);
    expect(repairs).toEqual([]);
    expect(ModelPlan.safeParse(answer).success).toBe(false);
  });

  it('becomes a grammar schema with the same enumerations and bounds, and one object per rule kind', () => {
    const json = JSON.stringify(PLAN_GRAMMAR_SCHEMA);
    expect(json).toContain('"enum":[1,2,5,10,15,30,60]');
    expect(json).toContain('"enum":["backend","frontend","testing","devops","docs"]');
    expect(json).toContain('"maxLength":240');
    expect(json).toContain('"maxItems":8');
    const rules = at(PLAN_GRAMMAR_SCHEMA, 'properties', 'tasks', 'items', 'properties', 'validationRules');
    expect(rules).toMatchObject({ type: 'array', maxItems: 3 });
    const union = at(rules, 'items', 'oneOf');
    if (!Array.isArray(union)) throw new Error('the rules are not a oneOf');
    expect(union.map((s) => at(s, 'properties', 'kind', 'const'))).toEqual(['file_exists', 'json_valid', 'file_mentions', 'command_succeeds', 'http', 'tests_pass', 'server_starts']);
    // Every rule object is closed and requires all its fields, as the strict zod objects do.
    for (const s of union) expect(s).toMatchObject({ type: 'object', additionalProperties: false });
  });
});
