import { describe, expect, it } from 'vitest';
import { makeTask } from '../../machines/task.fixture.js';
import { acceptanceOwners, globToRegExp } from './acceptance-routing.js';

describe('who owns a failing acceptance check or project test', () => {
  const tasks = [
    makeTask('docs', { type: 'docs' }),
    makeTask('scaffold', { type: 'devops', validationRules: [{ kind: 'server_starts' }] }),
    makeTask('todos', { validationRules: [{ kind: 'http', operationIds: ['createTodo', 'getTodo'] }] }),
    makeTask('tests', { type: 'testing', validationRules: [{ kind: 'tests_pass', glob: 'test/todos/**/*.test.js' }] }),
    makeTask('more-tests', { type: 'testing', validationRules: [{ kind: 'tests_pass', glob: 'test/*.spec.js' }] }),
    // A fix task copies its root's rules; the root owns the code, not the fix.
    makeTask('todos-fix1', { fixOf: 'todos', validationRules: [{ kind: 'http', operationIds: ['listTodos'] }] }),
  ];
  const owners = acceptanceOwners(tasks);

  it('routes an operation to the task whose http rule names it, else to the task that starts the server', () => {
    expect(owners.ofOperation('getTodo')).toBe('todos');
    expect(owners.ofOperation('listTodos')).toBe('scaffold');
    expect(owners.ofOperation('-')).toBe('scaffold');
    expect(owners.ofServer()).toBe('scaffold');
  });

  it('falls back to the first backend task, then the last task, when no task starts the server', () => {
    expect(acceptanceOwners([makeTask('ui', { type: 'frontend' }), makeTask('api'), makeTask('api2')]).ofServer()).toBe('api');
    expect(acceptanceOwners([makeTask('ui', { type: 'frontend' }), makeTask('readme', { type: 'docs' })]).ofServer()).toBe('readme');
  });

  it('routes a failing test file by the tests_pass glob that matches it, else to the first testing task', () => {
    expect(owners.ofTest('test/todos/create.test.js')).toBe('tests');
    expect(owners.ofTest('./test/todos/deep/er/x.test.js')).toBe('tests');
    expect(owners.ofTest('test/api.spec.js')).toBe('more-tests');
    expect(owners.ofTest('src/server.js')).toBe('tests');
    expect(owners.ofTest(null)).toBe('tests');
  });

  it('reads rule globs: * within a segment, ** across segments, everything else literal', () => {
    expect(globToRegExp('**/*.test.*').test('a.test.ts')).toBe(true);
    expect(globToRegExp('**/*.test.*').test('src/deep/a.test.js')).toBe(true);
    expect(globToRegExp('test/*.js').test('test/a/b.js')).toBe(false);
    expect(globToRegExp('test/*.js').test('testXa.js')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(globToRegExp('dist/**').test('dist/a/b/c')).toBe(true);
  });
});
