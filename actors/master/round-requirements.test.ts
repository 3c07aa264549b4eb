import { describe, expect, it } from 'vitest';
import type { RequirementCheck } from '../../proto/index.js';
import { makeTask } from '../../machines/task.fixture.js';
import { requirementFixes } from './round-requirements.js';

const tasks = [makeTask('t1', { type: 'devops', validationRules: [{ kind: 'server_starts' }] }), makeTask('t4', { type: 'backend', validationRules: [{ kind: 'http', operationIds: ['deleteItem'] }] })];
const check = (id: string, status: RequirementCheck['status']): RequirementCheck => ({ id, title: id, status, detail: `${id} detail` });

describe('failed requirements as integration fixes', () => {
  it('sends a failed stack check to the server task, beside what acceptance already routed', () => {
    const fixes = requirementFixes({ tasks }, [{ ownerTaskId: 't4', problems: ['acceptance check addItem.delete failed'] }], [check('stack.language.typescript', 'failed'), check('stack.framework.hono', 'passed')]);
    expect(fixes).toEqual([
      { ownerTaskId: 't4', problems: ['acceptance check addItem.delete failed'] },
      { ownerTaskId: 't1', problems: ['requirement check stack.language.typescript failed: stack.language.typescript: stack.language.typescript detail'] },
    ]);
  });

  it('adds nothing for requirements that failed through acceptance checks or the project tests (already routed), or could not be checked', () => {
    const routed = [{ ownerTaskId: 't4', problems: ['acceptance check addItem.delete failed'] }];
    expect(requirementFixes({ tasks }, routed, [check('project.tests', 'failed'), check('stack.database.postgresql', 'unverified')])).toEqual(routed);
  });
});
