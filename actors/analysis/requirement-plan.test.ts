import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeProject } from './analyze-project.js';
import { planRequirements } from './requirement-plan.js';
import { stackCheckId, stackRulesOf } from './stack-rules.js';

const example = (name: string) => readFileSync(fileURLToPath(new URL(`../../examples/todo-api/${name}`, import.meta.url)), 'utf8');

describe('stack rules derived from a prompt', () => {
  it('names the language, runtime, framework and database the todo-api prompt asks for, and nothing it does not', () => {
    const rules = stackRulesOf(example('prompt.md'));
    expect(rules.map(stackCheckId)).toEqual(['stack.language.typescript', 'stack.runtime.node-js', 'stack.framework.hono', 'stack.database.sqlite']);
    expect(rules.find((r) => r.kind === 'package')).toMatchObject({ packages: ['hono'] });
    expect(rules.find((r) => r.kind === 'database')).toMatchObject({ name: 'SQLite', restart: true });
  });

  it('binds only what is named: the blueprint defaults (Hono, SQLite for "storage") are no rule', () => {
    expect(stackRulesOf('Build a REST API that stores notes in storage.')).toEqual([]);
    // A file name or an import path is not the language or the package named.
    expect(stackRulesOf('Keep the routes in server.ts and import from hono/jsx-free code.')).toEqual([]);
  });

  it('knows server databases, whose persistence the sandbox cannot show, from embedded ones', () => {
    const rules = stackRulesOf('An Express API in JavaScript on PostgreSQL, tested with Vitest and validated with zod.');
    expect(rules.map(stackCheckId)).toEqual(['stack.language.javascript', 'stack.framework.express', 'stack.library.zod', 'stack.testing.vitest', 'stack.database.postgresql']);
    expect(rules.find((r) => r.kind === 'database')).toMatchObject({ restart: false });
  });

  it('is deterministic: the same text always gives the same rules', () => {
    const text = 'Use Fastify with SQLite and TypeScript.';
    expect(stackRulesOf(text)).toEqual(stackRulesOf(text));
  });
});

describe('the requirement plan of a blueprint', () => {
  it('gives every requirement of the todo-api blueprint its rules, in order, ids r1..rN', async () => {
    const blueprint = await analyzeProject(example('prompt.md'), example('openapi.yaml'));
    const plan = planRequirements(blueprint);
    expect(plan.map((p) => p.id)).toEqual(blueprint.requirements.map((_, i) => `r${i + 1}`));
    expect(plan.map((p) => p.text)).toEqual(blueprint.requirements);
    const kinds = (text: RegExp) => plan.find((p) => text.test(p.text))?.rules.map((r) => (r.kind === 'operations' ? `operations:${r.operationIds.join(',')}` : r.kind === 'file' ? `file:${r.label}` : r.kind === 'check_kinds' ? `checks:${r.label}` : r.kind));
    expect(kinds(/^Build a small REST service/)).toEqual(['language', 'runtime', 'operations:listLists,createList']);
    expect(kinds(/^Users create lists/)).toEqual(['operations:listLists,createList,listItems,addItem,deleteItem,updateItem']);
    expect(kinds(/^Use Hono for HTTP/)).toEqual(['package', 'database', 'checks:request validation', 'checks:error answers', 'project_tests', 'file:Dockerfile', 'file:README', 'file_mentions']);
    expect(kinds(/^POST \/lists:/)).toEqual(['operations:createList']);
    expect(plan.every((p) => p.rules.length > 0)).toBe(true);
  });

  it('keeps a requirement nothing can check, with no rule (reported not checkable, never dropped)', async () => {
    const blueprint = await analyzeProject('Make it delightful.', null);
    expect(planRequirements(blueprint)).toEqual([{ id: 'r1', text: 'Make it delightful.', rules: [] }]);
  });
});
