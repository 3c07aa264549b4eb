import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptanceCheckKind, AcceptanceReport, AcceptanceSuite } from '../proto/index.js';
import { deriveSuiteFromText } from '../actors/acceptance/derive-checks.js';
import { buildReport, evaluateChecks } from '../actors/acceptance/evaluate.js';
import { executeChecks } from '../actors/acceptance/http-executor.js';
import { REPO_ROOT } from './helpers/env.js';

const BOOKS = join(REPO_ROOT, 'test', 'fixtures', 'acceptance', 'books');
const running: ChildProcess[] = [];

/** The fixture app on a free loopback port; BUG plants one bug (see its server.js). */
async function startBooks(bug: string): Promise<string> {
  const child = spawn(process.execPath, ['server.js'], { cwd: BOOKS, env: { ...process.env, PORT: '0', HOST: '127.0.0.1', BUG: bug }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const port = /listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
    child.once('exit', (code) => reject(new Error(`the books app exited with ${code} before listening: ${out}`)));
  });
}

async function check(suite: AcceptanceSuite, bug: string): Promise<AcceptanceReport> {
  const started = performance.now();
  const url = await startBooks(bug);
  const outcomes = await executeChecks(suite.checks, url);
  return buildReport(evaluateChecks(suite, outcomes), performance.now() - started, null);
}

const failedKinds = (report: AcceptanceReport) => new Set(report.checks.filter((c) => c.status === 'failed').map((c) => c.kind));

describe('the acceptance checker against the books app on loopback', () => {
  let suite: AcceptanceSuite;
  beforeAll(async () => {
    suite = await deriveSuiteFromText(readFileSync(join(BOOKS, 'openapi.yaml'), 'utf8'));
  });
  afterEach(() => {
    for (const child of running.splice(0)) child.kill('SIGKILL');
  });

  it('passes every check of a correct implementation, and covers every kind of check', async () => {
    const report = await check(suite, '');
    const notPassed = report.checks.filter((c) => c.status !== 'passed');
    expect(notPassed, JSON.stringify(notPassed, null, 1)).toEqual([]);
    expect(report.passed).toBe(report.total);
    expect(report.total).toBeGreaterThan(80);
    const kinds = new Set(report.checks.map((c) => c.kind));
    for (const kind of ['operation', 'missing_required', 'wrong_type', 'constraint', 'malformed_json', 'unknown_id', 'create_read', 'list', 'list_filter', 'update', 'delete'] satisfies AcceptanceCheckKind[]) {
      expect(kinds, kind).toContain(kind);
    }
    console.log(`books, correct: ${report.total} checks in ${report.durationMs} ms (in-process checker on loopback)`);
  });

  // Each planted bug, the kind of check that must catch it, and words its problem must contain.
  const bugs: Array<[string, AcceptanceCheckKind, RegExp]> = [
    ['wrong_status', 'operation', /got 200, expected 201/],
    ['missing_field', 'operation', /schema/],
    ['wrong_type', 'operation', /schema/],
    ['delete_noop', 'delete', /got 200, expected 404/],
    ['update_ignored', 'update', /expected "other value"/],
    ['list_omits', 'list', /the list lacks/],
    ['crash_on_bad_input', 'wrong_type', /server error 500/],
    ['bad_id_format', 'operation', /schema/],
    ['wrong_content_type', 'operation', /content type is text\/plain/],
    ['constraint_not_enforced', 'constraint', /got 20[01], expected 400/],
  ];
  it.each(bugs)('fails a check when the app has the bug %s', async (bug, kind, problem) => {
    const report = await check(suite, bug);
    const caught = report.checks.filter((c) => c.status === 'failed' && c.kind === kind);
    expect(caught.length, `${bug}: failed kinds ${[...failedKinds(report)].join(', ')}`).toBeGreaterThan(0);
    expect(caught.some((c) => problem.test(`${c.actual.problem ?? ''} ${c.actual.schemaErrors.join(' ')}`)), JSON.stringify(caught[0], null, 1)).toBe(true);
    // The failure names what a fix needs: the request sent and what came back.
    expect(caught[0]?.request?.method).toMatch(/^[A-Z]+$/);
    expect(caught[0]?.actual.status === null || typeof caught[0]?.actual.status === 'number').toBe(true);
  });

  it('reports the field whose schema failed, for a missing required field and for an id in the wrong format', async () => {
    const missing = await check(suite, 'missing_field');
    expect(missing.checks.find((c) => c.id === 'getBook.operation')?.actual.schemaErrors).toContain("(body) must have required property 'createdAt'");
    for (const child of running.splice(0)) child.kill('SIGKILL');
    const ids = await check(suite, 'bad_id_format');
    expect(ids.checks.find((c) => c.id === 'createBook.operation')?.actual.schemaErrors).toContain('/id must match format "uuid"');
  });
});
