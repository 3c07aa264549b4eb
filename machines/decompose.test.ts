import { describe, expect, it } from 'vitest';
import { Task, type ApiOperation, type Blueprint } from '../proto/index.js';
import { planDefaults } from '../actors/master/roles.js';
import { globToRegExp } from '../actors/validation/rules/glob.js';
import { backboneFromBlueprint, contractTestFile, contractTestGlob, mergeRefinements, type PlannedTask } from './decompose.js';
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

describe('the rules each backbone task is held to, and what its prompt tells the worker about them', () => {
  const tasks = backboneFromBlueprint(blueprint('React'));
  const task = (key: string): PlannedTask => {
    const found = tasks.find((t) => t.key === key);
    if (!found) throw new Error(`no task ${key}`);
    return found;
  };

  it('scaffold: package.json exists and parses, and the server starts on PORT', () => {
    const scaffold = task('scaffold');
    expect(scaffold.validationRules).toEqual([
      { kind: 'file_exists', path: 'package.json' },
      { kind: 'json_valid', path: 'package.json' },
      { kind: 'server_starts' },
    ]);
    expect(scaffold.prompt).toContain('package.json at the repository root is valid JSON');
    expect(scaffold.prompt).toContain('"start" script');
    expect(scaffold.prompt).toContain('process.env.PORT');
  });

  it('backend: the acceptance checks of exactly its operations, and the prompt names them and what they check', () => {
    expect(task('backend-users').validationRules).toEqual([{ kind: 'http', operationIds: ['listUsers', 'createUser'] }]);
    expect(task('backend-orders').validationRules).toEqual([{ kind: 'http', operationIds: ['getOrder'] }]);
    const prompt = task('backend-users').prompt ?? '';
    expect(prompt).toContain('acceptance checks of listUsers, createUser');
    expect(prompt).toMatch(/missing a required field.*4xx, never a 5xx/);
    expect(prompt).toContain('an unknown id gets 404');
  });

  it('contract tests: the glob holds the task to the very file its prompt names', () => {
    const contract = task('contract-users');
    expect(contract.validationRules).toEqual([{ kind: 'tests_pass', glob: 'test/users*.test.*' }]);
    expect(contract.prompt).toContain('Write contract tests in test/users.test.js');
    expect(contract.prompt).toContain('files matching test/users*.test.* exist and pass');
    expect(contract.prompt).toContain('node --test');
    // A resource name that is no file name is made one the same way in both places.
    for (const resource of ['users', 'user profiles', 'a/b']) expect(globToRegExp(contractTestGlob(resource)).test(contractTestFile(resource)), resource).toBe(true);
    expect(contractTestFile('user profiles')).toBe('test/user-profiles.test.js');
  });

  it('frontend: the build passes; devops: the Dockerfile exists where the prompt says', () => {
    expect(task('frontend').validationRules).toEqual([{ kind: 'command_succeeds', command: 'npm run build --if-present', stdoutMatches: null }]);
    expect(task('frontend').prompt).toContain('`npm run build --if-present` exits 0');
    expect(task('devops').validationRules).toEqual([{ kind: 'file_exists', path: 'Dockerfile' }]);
    expect(task('devops').prompt).toContain('Dockerfile at the repository root');
  });

  it('docs: README.md names every path of the spec, each listed verbatim in the prompt', () => {
    const docs = task('docs');
    expect(docs.validationRules).toEqual([{ kind: 'file_mentions', path: 'README.md', texts: ['/users', '/orders/{id}'] }]);
    expect(docs.prompt).toContain('Write README.md at the repository root');
    expect(docs.prompt).toContain('names each of these paths exactly as written here: /users, /orders/{id}.');
  });

  it('gives every task rules that the task schema accepts', () => {
    for (const t of tasks) expect(t.validationRules.length, t.key).toBeGreaterThan(0);
    const { tasks: normalized } = normalizePlan({ tasks }, planDefaults(3));
    for (const t of normalized) expect(Task.safeParse(t).success, t.description).toBe(true);
  });
});
