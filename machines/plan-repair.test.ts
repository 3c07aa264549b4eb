import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES_BY_ROLE, type Role, type ValidationRule } from '../proto/index.js';
import { keepKnownOperations } from './plan-repair.js';

const task = (id: string, type: Role, validationRules: ValidationRule[]) => ({ id, type, validationRules });

describe('keepKnownOperations', () => {
  it('keeps the operations the frozen suite checks, drops the others, and falls back to the role defaults when none is left', () => {
    const known = new Set(['createList', 'listLists']);
    const { tasks, repairs } = keepKnownOperations(
      [
        task('t1', 'backend', [{ kind: 'http', operationIds: ['createList', 'madeUp'] }, { kind: 'server_starts' }]),
        task('t2', 'backend', [{ kind: 'http', operationIds: ['nope'] }]),
        task('t3', 'docs', [{ kind: 'file_exists', path: 'README.md' }]),
      ],
      known,
      DEFAULT_RULES_BY_ROLE,
    );
    expect(tasks[0]?.validationRules).toEqual([{ kind: 'http', operationIds: ['createList'] }, { kind: 'server_starts' }]);
    expect(tasks[1]?.validationRules).toEqual([...DEFAULT_RULES_BY_ROLE.backend]);
    expect(tasks[2]?.validationRules).toEqual([{ kind: 'file_exists', path: 'README.md' }]);
    expect(repairs).toEqual([
      't1: dropped 1 operation(s) the acceptance suite does not check from its http rule',
      't2: dropped 1 operation(s) the acceptance suite does not check from its http rule',
    ]);
  });
});
