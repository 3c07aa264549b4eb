import { describe, expect, it } from 'vitest';
import type { AcceptanceCheckResult, AcceptanceReport, StageResult } from '../../proto/index.js';
import type { RequirementPlan } from '../analysis/requirement-plan.js';
import { stackRulesOf } from '../analysis/stack-rules.js';
import type { StackFindings } from '../validation/stack-findings.js';
import { judgeRequirements } from './judge-requirements.js';

const PROMPT = 'Build it in TypeScript on Node.js. Use Hono for HTTP and SQLite for storage.';
const plans: RequirementPlan[] = PROMPT.split(/(?<=\.) /).map((text, i) => ({ id: `r${i + 1}`, text, rules: stackRulesOf(text) }));

function check(id: string, status: AcceptanceCheckResult['status'], kind: AcceptanceCheckResult['kind'] = 'create_read'): AcceptanceCheckResult {
  return { id, operationId: 'createList', kind, title: id, status, request: null, expected: { status: '201', contentType: null, schema: null, detail: '' }, actual: { step: '-', status: null, contentType: null, bodyExcerpt: '', schemaErrors: [], problem: status === 'passed' ? null : 'the list created before the restart is gone' } };
}

function report(restart: AcceptanceCheckResult[]): AcceptanceReport {
  return { type: 'acceptance.report', passed: 1, failed: 0, blocked: 0, unverified: 0, total: 1, durationMs: 1, app: null, checks: [check('app.server_starts', 'passed', 'server_starts')], restart };
}

const typecheck = (status: StageResult['status'], summary: string): StageResult => ({ stage: 'typecheck', status, summary, reason: status === 'unverified' ? summary : null, durationMs: 1, failures: [], warnings: [], metrics: {} });

function stack(files: Record<string, string>, deps: string[], tc: StageResult | null): StackFindings {
  const imports = new Set(Object.values(files).flatMap((c) => [...c.matchAll(/from '([^']+)'/g)].map((m) => m[1] as string)));
  return { files: Object.entries(files).map(([path, content]) => ({ path, content })), dependencies: new Set(deps), manifestProblem: null, scripts: {}, sourceImports: imports, testImports: new Set(), typecheck: tc };
}

describe('requirement verdicts', () => {
  it('passes a TypeScript app on Hono whose SQLite data survives a restart', () => {
    const { requirements, checks } = judgeRequirements(plans, {
      report: report([check('restart.createList.create_read', 'passed')]),
      tests: null,
      stack: stack({ 'src/server.ts': "import { Hono } from 'hono';\nimport sqlite from 'node-sqlite3-wasm';" }, ['hono', 'node-sqlite3-wasm'], typecheck('passed', '1 file(s) type-checked: 0 error(s)')),
    });
    expect(requirements.map((r) => r.verdict)).toEqual(['passed', 'passed']);
    expect(requirements[1]?.checks).toEqual(['stack.framework.hono', 'stack.database.sqlite', 'restart.createList.create_read']);
    expect(checks.map((c) => `${c.id}:${c.status}`)).toEqual(['stack.language.typescript:passed', 'stack.runtime.node-js:passed', 'stack.framework.hono:passed', 'stack.database.sqlite:passed']);
  });

  it('fails the language of a plain JavaScript app on node:http with an in-memory store, saying why', () => {
    const { requirements } = judgeRequirements(plans, {
      report: report([check('restart.createList.create_read', 'failed')]),
      tests: null,
      // What the type check says of a tree with no TypeScript at all: unverified, which a TypeScript job must not pass.
      stack: stack({ 'src/server.js': "import { createServer } from 'node:http';", 'src/store.js': '' }, [], typecheck('unverified', 'no TypeScript files')),
    });
    expect(requirements.map((r) => r.verdict)).toEqual(['failed', 'failed']);
    expect(requirements[0]?.reason).toContain('no TypeScript source files: the 2 source file(s) are 2 .js');
    expect(requirements[1]?.reason).toContain('Hono is not used: none of hono is a dependency in package.json');
    expect(requirements[1]?.reason).toContain('SQLite is not used');
  });

  it('fails "no TypeScript files" and a declared but unused framework, and a store that forgets on restart', () => {
    const { requirements } = judgeRequirements(plans, {
      report: report([check('restart.createList.create_read', 'failed')]),
      tests: null,
      stack: stack({ 'src/server.ts': "import sqlite from 'node-sqlite3-wasm';" }, ['hono', 'node-sqlite3-wasm'], typecheck('unverified', 'no TypeScript files')),
    });
    expect(requirements[0]?.reason).toContain('tsc --noEmit did not run: no TypeScript files');
    expect(requirements[1]?.reason).toContain('hono is a dependency, but no source file imports it');
    expect(requirements[1]?.reason).toContain('data did not survive a restart of the app');
  });

  it('lists what cannot be checked as not checkable, with the reason, and a requirement with no rule too', () => {
    const { requirements } = judgeRequirements([...plans, { id: 'r3', text: 'Make it delightful.', rules: [] }], { report: null, tests: null, stack: null, notRun: 'no sandbox can run the app' });
    expect(requirements.map((r) => r.verdict)).toEqual(['not_checkable', 'not_checkable', 'not_checkable']);
    expect(requirements[2]?.reason).toMatch(/^no executable check covers it/);
    expect(requirements[0]?.reason).toContain("the app's files could not be read");
  });
});
