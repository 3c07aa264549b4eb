import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcceptanceReport, type AcceptanceSuite } from '../proto/index.js';
import { deriveSuiteFromText } from '../actors/acceptance/derive-checks.js';
import { runCli } from './helpers/cli.js';
import { REPO_ROOT, tempDir, writeConfig } from './helpers/env.js';

const CATALOG = join(REPO_ROOT, 'test', 'fixtures', 'acceptance', 'catalog');
const SPEC = join(CATALOG, 'openapi.yaml');

/** `autodev accept APP --suite FILE`: a frozen suite replayed through the built CLI, a daemon it starts, and the real bubblewrap sandbox. */
describe('autodev accept --suite replays a saved suite', () => {
  const home = tempDir('accept-suite');
  const report = (stdout: string) => AcceptanceReport.parse(JSON.parse(stdout.trim().split('\n').pop() ?? '{}'));
  let suite: AcceptanceSuite;
  const save = (name: string, value: unknown) => {
    const file = join(home.path, name);
    writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };

  beforeAll(async () => {
    writeConfig(home.path, { sandbox: { backend: 'bubblewrap' } });
    suite = await deriveSuiteFromText(readFileSync(SPEC, 'utf8'));
  });
  afterAll(async () => {
    await runCli(['daemon', 'stop', '--home', home.path]);
    home.cleanup();
  });

  it('judges the app by the checks in the file, exactly: a correct app passes, a planted bug fails', async () => {
    const file = save('suite.json', suite);
    const ok = await runCli(['accept', CATALOG, '--suite', file, '--home', home.path, '--json'], {}, 180_000);
    expect(ok.code, ok.stderr).toBe(0);
    const passed = report(ok.stdout);
    expect(passed.app?.sandbox).toBe('bubblewrap');
    expect(passed.checks.map((c) => c.id)).toEqual(['app.server_starts', ...suite.checks.map((c) => c.id)]);
    expect(passed.passed).toBe(passed.total);

    const bug = await runCli(['accept', CATALOG, '--suite', file, '--start', 'BUG=wrapped node server.js', '--home', home.path], {}, 180_000);
    expect(bug.code).toBe(1);
    expect(bug.stdout).toMatch(/FAIL +operation +getProduct\.operation/);

    // The file is replayed, not derived again: one check kept, one check run.
    const one = save('one-check.json', { ...suite, checks: suite.checks.filter((c) => c.id === 'getCategory.operation') });
    const single = report((await runCli(['accept', CATALOG, '--suite', one, '--home', home.path, '--json'], {}, 180_000)).stdout);
    expect(single.checks.map((c) => c.id)).toEqual(['app.server_starts', 'getCategory.operation']);
  });

  it('refuses --spec with --suite, and a file that is not a suite, naming what is wrong (exit 2)', async () => {
    const file = save('suite-for-usage.json', suite);
    const both = await runCli(['accept', CATALOG, '--spec', SPEC, '--suite', file, '--home', home.path]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--spec and --suite cannot be used together/);
    const neither = await runCli(['accept', CATALOG, '--home', home.path]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/needs --spec FILE .* or --suite FILE/);
    const notJson = await runCli(['accept', CATALOG, '--suite', save('not-json.json', 'openapi: 3.0.3'), '--home', home.path]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/is not JSON/);
    const wrong = await runCli(['accept', CATALOG, '--suite', save('wrong.json', { ...suite, checks: [{ id: 'x' }] }), '--home', home.path]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/is not an acceptance suite: checks\.0\.operationId: /);
  });

  it('says in --help where a job keeps its suite.json and where an export puts it', async () => {
    const help = await runCli(['accept', '--help']);
    expect(help.stdout).toMatch(/--suite FILE/);
    expect(help.stdout).toMatch(/<home>\/jobs\/<id>\/acceptance\/suite\.json/);
    expect(help.stdout).toMatch(/DIR\/artifacts\/acceptance\/suite\.json/);
  });
});
