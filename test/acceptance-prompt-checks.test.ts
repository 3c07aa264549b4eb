import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptanceCheckResult, AcceptanceReport } from '../proto/index.js';
import { AcceptancePlan } from '../proto/acceptance-plan.js';
import { acceptApp } from '../actors/acceptance/app-runner.js';
import { suiteFromAcceptancePlan } from '../actors/acceptance/prompt-suite.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { REPO_ROOT, tempDir } from './helpers/env.js';
import { bwrapSkipReason } from './helpers/bwrap.js';

const NOTES = join(REPO_ROOT, 'test', 'fixtures', 'acceptance', 'notes');

const skip = bwrapSkipReason();

const http = (title: string, method: 'get' | 'post', path: string, expectStatus: 200 | 201 | 404, bodyIncludes: string[], body: string | null = null) =>
  ({ kind: 'http', title, method, path, body, expectStatus, bodyIncludes }) as const;
const command = (title: string, cmd: string, expectExit: number, stdoutMatches: string | null) => ({ kind: 'command', title, command: cmd, expectExit, stdoutMatches }) as const;

const byTitle = (report: AcceptanceReport, title: string): AcceptanceCheckResult => {
  const found = report.checks.find((c) => c.title === title);
  if (!found) throw new Error(`no result for "${title}" in ${report.checks.map((c) => c.title).join(', ')}`);
  return found;
};

/** Checks written from a prompt, as the Master freezes them, run by the acceptance runner in the real bubblewrap sandbox. */
describe.skipIf(skip)(`scenario and command checks in the sandbox${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sandbox: BubblewrapSandbox;
  const work = tempDir('prompt-checks');
  let n = 0;
  const accept = (plan: unknown, extra: { start?: string; commandTimeoutMs?: number } = {}) =>
    acceptApp({ sandbox, appDir: NOTES, workDir: join(work.path, `run-${++n}`), suite: suiteFromAcceptancePlan(AcceptancePlan.parse(plan), 'notes'), ...extra });

  beforeAll(() => {
    sandbox = new BubblewrapSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
    work.cleanup();
  });

  it('passes the scenarios and commands a correct app meets, and fails each that it does not, saying why', async () => {
    const started = performance.now();
    const report = await accept({
      checks: [
        http('health answers ok', 'get', '/health', 200, ['"ok"']),
        http('a note is created', 'post', '/notes', 201, ['buy milk'], '{"text":"buy milk"}'),
        http('search finds the note', 'get', '/notes?q=milk', 200, ['buy milk']),
        http('health says healthy', 'get', '/health', 200, ['healthy']),
        http('stats exist', 'get', '/stats', 200, []),
        command('the CLI counts the notes', 'node bin/count.js', 0, '^notes: [1-9]'),
        command('a command that exits 3', 'node -e "console.error(\'db locked\'); process.exit(3)"', 0, null),
        command('a greeting the app never prints', 'echo hello', 0, '^goodbye'),
      ],
    });
    expect(report.app?.sandbox).toBe('bubblewrap');
    expect(report.checks.map((c) => [c.kind, c.status])).toEqual([
      ['server_starts', 'passed'],
      ['scenario', 'passed'],
      ['scenario', 'passed'],
      ['scenario', 'passed'],
      ['scenario', 'failed'],
      ['scenario', 'failed'],
      ['command', 'passed'],
      ['command', 'failed'],
      ['command', 'failed'],
    ]);
    expect(report).toMatchObject({ passed: 5, failed: 4, unverified: 0, total: 9 });

    const created = byTitle(report, 'a note is created');
    expect(created.request).toEqual({ method: 'POST', path: '/notes', body: { text: 'buy milk' } });
    expect(byTitle(report, 'search finds the note').request?.path).toBe('/notes?q=milk');
    const healthy = byTitle(report, 'health says healthy');
    expect(healthy.actual).toMatchObject({ status: 200, problem: 'the body does not contain "healthy"' });
    expect(healthy.expected.detail).toContain('the body contains "healthy"');
    expect(byTitle(report, 'stats exist').actual).toMatchObject({ status: 404, problem: 'got 404, expected 200' });

    const counted = byTitle(report, 'the CLI counts the notes');
    expect(counted).toMatchObject({ operationId: 'command', request: null, actual: { status: 0, bodyExcerpt: 'notes: 1' } });
    expect(counted.expected).toMatchObject({ status: 'exit 0', detail: '`node bin/count.js` exits 0 and prints a match of /^notes: [1-9]/' });
    const exits = byTitle(report, 'a command that exits 3');
    expect(exits.actual).toMatchObject({ status: 3, problem: 'exited with 3, expected 0' });
    expect(exits.actual.bodyExcerpt).toContain('db locked');
    expect(byTitle(report, 'a greeting the app never prints').actual).toMatchObject({ status: 0, bodyExcerpt: 'hello', problem: 'its output does not match /^goodbye/' });
    console.log(`prompt checks, notes app: ${report.total} checks in ${report.durationMs} ms (wall ${Math.round(performance.now() - started)} ms, bubblewrap)`);
  });

  it('kills a command at its timeout, with what it left in the background, and never lets a model\'s pattern hang the run', async () => {
    const started = performance.now();
    const report = await accept(
      {
        checks: [
          command('a command that hangs', 'sleep 60 & echo started; sleep 60', 0, null),
          // Catastrophic backtracking on this output: matched under a time limit, so the check is unverified, not stuck.
          command('a pattern that backtracks', 'node -e "console.log(\'a\'.repeat(40) + \'!\')"', 0, '^(a+)+$'),
          command('the network is off', 'node -e "fetch(\'http://1.1.1.1\').then(() => console.log(\'reached\'), () => console.log(\'offline\'))"', 0, '^offline'),
        ],
      },
      { commandTimeoutMs: 2000 },
    );
    const hang = byTitle(report, 'a command that hangs');
    expect(hang.status).toBe('failed');
    expect(hang.actual.problem).toMatch(/did not finish in time \(it was killed after \d+ ms\)/);
    expect(hang.actual.bodyExcerpt).toBe('started');
    expect(byTitle(report, 'a pattern that backtracks')).toMatchObject({ status: 'unverified', actual: { problem: 'its output could not be judged: matching the pattern took longer than 1000 ms' } });
    expect(byTitle(report, 'the network is off').status).toBe('passed');
    // Two hung commands' worth of sleep would be 120 s: finishing before that shows the limits cut them short,
    // however loaded the machine.
    expect(performance.now() - started).toBeLessThan(120_000);
  });

  it('leaves every check unverified when the app does not start, and runs nothing for a suite with no checks', async () => {
    const down = await accept({ checks: [http('health answers ok', 'get', '/health', 200, []), command('the CLI counts the notes', 'node bin/count.js', 0, null)] }, { start: 'node -e "process.exit(3)"' });
    expect(down.checks.map((c) => [c.kind, c.status])).toEqual([
      ['server_starts', 'failed'],
      ['scenario', 'unverified'],
      ['command', 'unverified'],
    ]);
    expect(byTitle(down, 'the CLI counts the notes').actual.problem).toMatch(/^not run: the app exited with code 3 before listening/);

    const empty = await acceptApp({ sandbox, appDir: NOTES, workDir: join(work.path, 'empty'), suite: { type: 'acceptance.suite', title: 'none', checks: [], commands: [], source: 'prompt', schemas: {}, dialect: 'draft-07' } });
    // Not "1 of 1 passed" for a started app: nothing judged the app, so nothing passed.
    expect(empty).toMatchObject({ passed: 0, failed: 0, unverified: 0, total: 0, checks: [] });
  });
});
