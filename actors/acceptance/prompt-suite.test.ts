import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { AcceptanceSuite } from '../../proto/index.js';
import { ACCEPTANCE_PLAN_JSON_SCHEMA, AcceptancePlan } from '../../proto/acceptance-plan.js';
import { ACCEPTANCE_GRAMMAR_SCHEMA } from '../master/freeze-suite.js';
import { repairAcceptanceAnswer, suiteFromAcceptancePlan } from './prompt-suite.js';

const http = { kind: 'http', title: 'list items', method: 'get', path: '/items', body: null, expectStatus: 200, bodyIncludes: [] };
const command = { kind: 'command', title: 'the CLI lists items', command: 'node cli.js list', expectExit: 0, stdoutMatches: null };

describe('acceptance checks written from the prompt', () => {
  const ajv = new Ajv({ strict: false }).compile(ACCEPTANCE_PLAN_JSON_SCHEMA);

  it('has a JSON schema that agrees with zod wherever it can express the rule', () => {
    const cases: Array<[unknown, boolean]> = [
      [{ checks: [http, command] }, true],
      [{ checks: [] }, false],
      [{ checks: Array.from({ length: 9 }, () => command) }, false],
      [{ checks: [{ ...http, method: 'trace' }] }, false],
      [{ checks: [{ ...http, expectStatus: 500 }] }, false],
      [{ checks: [{ ...http, path: 'http://evil.example/x' }] }, false],
      [{ checks: [{ ...http, path: '/items/{id}' }] }, false],
      [{ checks: [{ ...http, path: '/items with space' }] }, false],
      [{ checks: [{ ...http, bodyIncludes: ['a', 'b', 'c', 'd', 'e'] }] }, false],
      [{ checks: [{ ...http, extra: 1 }] }, false],
      [{ checks: [{ ...command, expectExit: 300 }] }, false],
      [{ checks: [{ ...command, stdoutMatches: undefined }] }, false],
      [{ checks: [{ ...command, command: 'x'.repeat(301) }] }, false],
    ];
    const ajvSays = cases.map(([plan]) => ajv(plan));
    expect(ajvSays).toEqual(cases.map(([plan]) => AcceptancePlan.safeParse(plan).success));
    expect(ajvSays).toEqual(cases.map(([, ok]) => ok));
  });

  it('becomes a grammar with one object per kind and enumerated statuses and exit codes', () => {
    const json = JSON.stringify(ACCEPTANCE_GRAMMAR_SCHEMA);
    expect(json).toContain('{"const":"http"}');
    expect(json).toContain('{"const":"command"}');
    expect(json).toContain('"enum":[200,201,202,204,301,302,303,307,308,400,401,403,404,405,409,415,422]');
    expect(json).toContain('"enum":[0,1,2,3,4,5,6,7,8,9]');
    expect(json).toContain('"maxItems":8');
  });

  it.each([
    ['a path with a host', { ...http, path: '//evil.example/x' }, /^dropped check 1: path: a path never starts with \/\//],
    ['a pattern that does not compile', { ...command, stdoutMatches: '(unclosed' }, /^dropped check 1: stdoutMatches: not a valid regular expression$/],
    ['a body that is not JSON', { ...http, method: 'post', body: '{"name":' }, /^dropped check 1: body: the body is not valid JSON text$/],
  ])('drops %s, keeps the rest, and names the problem (never the model\'s text)', (_, bad, note) => {
    // Each of these keeps the JSON schema (a grammar cannot judge it), so only zod refuses it.
    expect(ajv({ checks: [bad] })).toBe(true);
    const { answer, repairs } = repairAcceptanceAnswer({ checks: [bad, command] });
    expect(AcceptancePlan.parse(answer).checks).toEqual([command]);
    expect(repairs).toEqual([expect.stringMatching(note)]);
    expect(repairs[0]).not.toContain('evil.example');
  });

  it('leaves nothing to parse when every check was bad, so the model is asked again', () => {
    const { answer } = repairAcceptanceAnswer({ checks: [{ ...command, stdoutMatches: '[' }] });
    expect(AcceptancePlan.safeParse(answer).success).toBe(false);
  });

  it('turns http checks into one-step scenario checks and command checks into the suite\'s commands', () => {
    const plan = AcceptancePlan.parse({
      checks: [
        { ...http, title: 'search', path: '/items?q=milk&limit=2', bodyIncludes: ['milk'] },
        command,
        { ...http, title: 'add an item', method: 'post', path: '/items', body: '{"name":"milk","qty":2}', expectStatus: 201 },
        { ...http, title: 'unknown item', path: '/items/nope', expectStatus: 404 },
      ],
    });
    const suite = AcceptanceSuite.parse(suiteFromAcceptancePlan(plan, 'shopping list'));
    expect(suite).toMatchObject({ type: 'acceptance.suite', title: 'shopping list', source: 'prompt', schemas: {} });
    expect(suite.checks.map((c) => [c.id, c.kind, c.operationId, c.steps.length])).toEqual([
      ['prompt.scenario.1', 'scenario', 'prompt', 1],
      ['prompt.scenario.2', 'scenario', 'prompt', 1],
      ['prompt.scenario.3', 'scenario', 'prompt', 1],
    ]);
    const [search, add, unknown] = suite.checks.map((c) => c.steps[0]);
    expect(search?.request).toEqual({ method: 'get', path: '/items', pathParams: {}, query: { q: { value: 'milk' }, limit: { value: '2' } }, headers: {}, body: null });
    expect(search?.expect).toEqual({ statuses: [200], statusClass: '2xx', media: {}, list: null, assertions: [{ type: 'body_includes', texts: ['milk'] }] });
    expect(add?.request.body).toEqual({ kind: 'json', value: { name: 'milk', qty: 2 } });
    expect(unknown?.expect).toMatchObject({ statuses: [404], statusClass: '4xx', assertions: [] });
    expect(suite.commands).toEqual([{ id: 'prompt.command.1', title: 'the CLI lists items', command: 'node cli.js list', expectExit: 0, stdoutMatches: null }]);
  });
});
