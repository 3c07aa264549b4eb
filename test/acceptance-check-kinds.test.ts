import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptanceCheckResult, AcceptanceReport } from '../proto/index.js';
import { acceptApp } from '../actors/acceptance/app-runner.js';
import { deriveSuiteFromText } from '../actors/acceptance/derive-checks.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { bwrapSkipReason } from './helpers/bwrap.js';
import { REPO_ROOT, tempDir } from './helpers/env.js';

const skip = bwrapSkipReason();
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'acceptance');

const notPassed = (report: AcceptanceReport) => report.checks.filter((c) => c.status !== 'passed');
const show = (checks: AcceptanceCheckResult[]) => JSON.stringify(checks.map((c) => ({ id: c.id, status: c.status, step: c.actual.step, problem: c.actual.problem, schemaErrors: c.actual.schemaErrors })), null, 1);
const find = (report: AcceptanceReport, id: string) => {
  const check = report.checks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return check;
};

/**
 * Issue 20's missing check kinds, each on a small app of its own, judged as
 * `autodev accept` judges: the app in the real bubblewrap sandbox, the
 * judge in a sandbox beside it. Each conformant app must pass every check;
 * each planted bug (BUG=, see the app's server.js) must fail the check
 * built to catch it, with a message that names the broken promise.
 */
describe.skipIf(skip)(`check kinds that were missing, in the bubblewrap sandbox${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sandbox: BubblewrapSandbox;
  const work = tempDir('check-kinds');
  let runs = 0;

  const accept = async (app: string, bug = ''): Promise<AcceptanceReport> => {
    const dir = join(FIXTURES, app);
    const suite = await deriveSuiteFromText(readFileSync(join(dir, 'openapi.yaml'), 'utf8'));
    const report = await acceptApp({ sandbox, appDir: dir, workDir: join(work.path, `run-${++runs}`), suite, start: bug ? `BUG=${bug} node server.js` : 'node server.js' });
    expect(report.app?.sandbox).toBe('bubblewrap');
    expect(report.checks.find((c) => c.kind === 'server_starts')?.status, report.app?.logExcerpt).toBe('passed');
    console.log(`${app}${bug ? ` BUG=${bug}` : ''}: ${report.passed} passed, ${report.failed} failed of ${report.total} in ${report.durationMs} ms`);
    return report;
  };

  beforeAll(() => {
    sandbox = new BubblewrapSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
    work.cleanup();
  });

  it('uploads a generated file in a multipart body (and sends a urlencoded form), so an app that requires the file part passes', async () => {
    const report = await accept('uploads');
    expect(notPassed(report), show(notPassed(report))).toEqual([]);
    expect(find(report, 'uploadPhoto.operation').request?.body).toMatch(/^multipart\/form-data: .*file=@upload\.png \(image\/png, 69 bytes\)/);
    expect(find(report, 'tagPhoto.operation').request?.body).toMatch(/^tag=[a-z]+$/);
    const bug = await accept('uploads', 'no_file_check');
    expect(notPassed(bug).map((c) => c.id)).toEqual(['uploadPhoto.missing_required.file']);
    expect(find(bug, 'uploadPhoto.missing_required.file').actual.problem).toMatch(/got 201, expected 400/);
  });

  it('catches an invalid item the app stored from a bad body in the after-writes pass, though the list check before it passed', async () => {
    const report = await accept('inventory');
    expect(notPassed(report), show(notPassed(report))).toEqual([]);
    const bug = await accept('inventory', 'stores_invalid');
    expect(find(bug, 'createItem.list').status).toBe('passed');
    const after = find(bug, 'listItems.after_writes.list');
    expect(after.status).toBe('failed');
    expect(after.actual.schemaErrors.join('\n')).toMatch(/\/items\/\d+\/status must be equal to one of the allowed values/);
    const filter = await accept('inventory', 'filter_ignored');
    expect(find(filter, 'listItems.after_writes.filter.status').actual.problem).toMatch(/an item has status = "archived", but the filter asked for "active"/);
  });

  it('checks the reads of a read-only API on ids from its list and the spec examples, catching a wrapped answer and a 500', async () => {
    const report = await accept('catalog');
    expect(notPassed(report), show(notPassed(report))).toEqual([]);
    expect(find(report, 'getProduct.operation').request?.path).toMatch(/^\/products\/[123]$/);
    expect(find(report, 'getCategory.operation').request?.path).toBe('/categories/garden');
    const wrapped = await accept('catalog', 'wrapped');
    expect(find(wrapped, 'getProduct.operation').actual.schemaErrors).toContain("(body) must have required property 'id'");
    const crash = await accept('catalog', 'crash');
    expect(find(crash, 'getProduct.operation').actual.problem).toMatch(/server error 500/);
  });

  it('passes an app that answers a duplicate with its documented 409, and fails one that accepts duplicates', async () => {
    const report = await accept('members');
    expect(notPassed(report), show(notPassed(report))).toEqual([]);
    expect(report.checks.filter((c) => c.kind === 'conflict' || c.kind === 'unprocessable').map((c) => c.id)).toEqual([
      'createMember.conflict.duplicate',
      'updateMember.conflict.duplicate.email',
      'spendCredits.unprocessable.credits.below',
    ]);
    const bug = await accept('members', 'accepts_duplicates');
    expect(notPassed(bug).map((c) => c.id)).toEqual(['createMember.conflict.duplicate', 'updateMember.conflict.duplicate.email']);
    expect(find(bug, 'createMember.conflict.duplicate').actual.problem).toMatch(/got 201, expected 409/);
    expect(find(bug, 'createMember.conflict.duplicate').expected.detail).toMatch(/409 is documented \("a member with this email already exists"\)/);
    const overspends = await accept('members', 'overspends');
    expect(find(overspends, 'spendCredits.unprocessable.credits.below').actual.problem).toMatch(/got 200, expected 422/);
  });
});
