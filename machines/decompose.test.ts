import { describe, expect, it } from 'vitest';
import type { ApiOperation, Blueprint } from '../proto/index.js';
import { planDefaults } from '../actors/master/roles.js';
import { backboneFromBlueprint, mergeRefinements, type PlannedTask } from './decompose.js';
import { findBackEdges, normalizePlan } from './plan.js';

const op = (operationId: string, method: ApiOperation['method'], path: string, resource: string): ApiOperation => ({
  operationId,
  method,
  path,
  summary: `${operationId} summary`,
  resource,
  requestSchema: method === 'post' ? { type: 'object', properties: { name: { type: 'string' } } } : null,
  requestExample: method === 'post' ? { name: 'x' } : null,
  responses: [
    { status: method === 'post' ? '201' : '200', description: 'ok', schema: { type: 'object' } },
    { status: '404', description: 'missing', schema: null },
  ],
});

function blueprint(frontend: string | null, withSpec = true): Blueprint {
  return {
    requirements: ['r'],
    techStack: { language: 'TypeScript', runtime: 'Node.js', framework: 'Hono', database: 'SQLite', testing: 'Vitest', frontend },
    structure: ['package.json', 'src/server.ts', 'src/routes/users.ts', 'test/users.test.ts'],
    complexity: 'small',
    spec: withSpec
      ? {
          kind: 'openapi',
          title: 'Shop',
          version: '1.0.0',
          operations: [op('listUsers', 'get', '/users', 'users'), op('createUser', 'post', '/users', 'users'), op('getOrder', 'get', '/orders/{id}', 'orders')],
        }
      : { kind: 'text', text: 'notes' },
  };
}

describe('spec-driven backbone', () => {
  it('has a scaffold, backend and contract tasks per resource, then devops and docs', () => {
    const tasks = backboneFromBlueprint(blueprint(null));
    expect(tasks.map((t) => [t.key, t.type, t.dependsOn])).toEqual([
      ['scaffold', 'devops', []],
      ['backend-users', 'backend', ['scaffold']],
      ['contract-users', 'testing', ['backend-users']],
      ['backend-orders', 'backend', ['scaffold']],
      ['contract-orders', 'testing', ['backend-orders']],
      ['devops', 'devops', ['scaffold']],
      ['docs', 'docs', ['backend-users', 'backend-orders']],
    ]);
    const contract = tasks.find((t) => t.key === 'contract-users');
    expect(contract?.prompt).toContain('createUser: POST /users with body {"name":"x"}; expect 201');
    expect(contract?.prompt).toContain('also provoke 404');
    expect(tasks.find((t) => t.key === 'backend-users')?.prompt).toContain('request body schema');
    expect(tasks.every((t) => t.validationRules.length > 0)).toBe(true);
  });

  it('adds a frontend task after every backend when the stack has a front end', () => {
    const frontend = backboneFromBlueprint(blueprint('React')).find((t) => t.type === 'frontend');
    expect(frontend?.dependsOn).toEqual(['backend-users', 'backend-orders']);
  });

  it('has no backbone without an OpenAPI spec', () => {
    expect(backboneFromBlueprint(blueprint(null, false))).toEqual([]);
  });

  it('keeps the backbone when the model reuses its keys, and resolves model tasks onto it', () => {
    const extra: PlannedTask[] = [
      { key: 'scaffold', type: 'docs', description: 'hijack', dependsOn: [], priority: 1, estimatedMinutes: 1, validationRules: [] },
      { key: 'seed', type: 'backend', description: 'seed data', dependsOn: ['backend-users', 'nope'], priority: 2, estimatedMinutes: 5, validationRules: [{ kind: 'command_succeeds', command: 'node seed.js', stdoutMatches: null }] },
    ];
    const merged = mergeRefinements(backboneFromBlueprint(blueprint(null)), extra);
    expect(merged.repairs).toEqual(['dropped the model\'s task "scaffold": it reuses a backbone key']);
    const { tasks } = normalizePlan(merged, planDefaults(3));
    expect(tasks).toHaveLength(8);
    expect(tasks[0]?.type).toBe('devops');
    const seed = tasks.at(-1);
    expect(seed?.description).toBe('seed data');
    expect(seed?.dependencies).toEqual([tasks.find((t) => t.description.startsWith('Implement the users'))?.id]);
    expect(findBackEdges(tasks)).toEqual([]);
    expect(tasks.find((t) => t.type === 'testing')?.prompt).toContain('contract tests');
  });
});
