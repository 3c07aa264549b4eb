import { describe, expect, it } from 'vitest';
import type { RuleResult, ValidationReport } from '../../../proto/index.js';
import { foldRules } from './fold-report.js';

const stagesPassed: ValidationReport = {
  passed: true,
  issues: [],
  failures: [],
  stages: [
    { stage: 'syntax', status: 'passed', summary: 'ok' },
    { stage: 'unit_tests', status: 'unverified', summary: 'unverified: no tests' },
  ],
};
const rule = (status: RuleResult['status'], detail: string = status): RuleResult => ({ rule: { kind: 'file_exists', path: 'README.md' }, status, detail, durationMs: 1 });

describe('folding rule results into a validation report', () => {
  it('passes only when every rule passed and no stage failed; an unverified stage alone does not fail it', () => {
    const folded = foldRules(stagesPassed, [rule('passed'), rule('passed')]);
    expect(folded).toMatchObject({ passed: true, verdict: 'passed', issues: [] });
    expect(folded.rules).toHaveLength(2);
  });

  it('is unverified, and not passed, when a rule could not run or the task has no rules', () => {
    expect(foldRules(stagesPassed, [rule('passed'), rule('unverified', 'no sandbox')])).toMatchObject({ passed: false, verdict: 'unverified', issues: [] });
    expect(foldRules(stagesPassed, null)).toMatchObject({ passed: false, verdict: 'unverified', rules: [] });
    expect(foldRules(stagesPassed, [])).toMatchObject({ passed: false, verdict: 'unverified' });
  });

  it('fails on a failed rule, with one issue line and a structured failure naming the file', () => {
    const folded = foldRules(stagesPassed, [rule('failed', 'README.md does not exist'), rule('unverified')]);
    expect(folded.verdict).toBe('failed');
    expect(folded.passed).toBe(false);
    expect(folded.issues).toEqual(['rule failed: README.md exists: README.md does not exist']);
    expect(folded.failures).toEqual([{ stage: 'rule', file: 'README.md', line: null, message: folded.issues[0], logExcerpt: 'README.md does not exist' }]);
  });

  it('puts the rule\'s log under its issue line, so the fix task\'s prompt shows the failing requests', () => {
    const http: RuleResult = {
      rule: { kind: 'http', operationIds: ['deleteItem'] },
      status: 'failed',
      detail: '1 of 3 check(s) failed: deleteItem.sequence: item still listed',
      durationMs: 5,
      logExcerpt: 'deleteItem.operation (operation): DELETE /lists/1/items/2 expected 204, got 500: server error\n  body: {"error":"boom"}',
    };
    const folded = foldRules(stagesPassed, [http]);
    expect(folded.issues).toHaveLength(1);
    expect(folded.issues[0]).toMatch(/^rule failed: .*deleteItem.*: 1 of 3 check\(s\) failed: deleteItem\.sequence: item still listed\n    deleteItem\.operation \(operation\): DELETE \/lists\/1\/items\/2 expected 204, got 500: server error\n      body: \{"error":"boom"\}$/);
    expect(folded.failures?.[0]?.message).toBe(folded.issues[0]?.split('\n')[0]);
  });

  it('fails when a stage failed even though every rule passed', () => {
    const failedStage: ValidationReport = { ...stagesPassed, passed: false, issues: ['[lint] a.js:1 x'], stages: [{ stage: 'lint', status: 'failed', summary: '1 problem' }] };
    expect(foldRules(failedStage, [rule('passed')])).toMatchObject({ passed: false, verdict: 'failed', issues: ['[lint] a.js:1 x'] });
  });
});
