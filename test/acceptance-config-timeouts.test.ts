import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcceptanceReport } from '../proto/index.js';
import { runCli } from './helpers/cli.js';
import { REPO_ROOT, tempDir, writeConfig } from './helpers/env.js';

const BOOKS = join(REPO_ROOT, 'test', 'fixtures', 'acceptance', 'books');
const SPEC = join(BOOKS, 'openapi.yaml');

/** config.json's `acceptance.*` reaches the judge: the built CLI, a daemon it starts, the real bubblewrap sandbox. */
describe('acceptance timeouts from config.json', () => {
  const home = tempDir('accept-timeouts');

  beforeAll(() => writeConfig(home.path, { sandbox: { backend: 'bubblewrap' }, acceptance: { startTimeoutMs: 1500 } }));
  afterAll(async () => {
    await runCli(['daemon', 'stop', '--home', home.path]);
    home.cleanup();
  });

  it('gives an app that never listens acceptance.startTimeoutMs, not the built-in 30 s', async () => {
    const started = performance.now();
    const { code, stdout } = await runCli(['accept', BOOKS, '--spec', SPEC, '--home', home.path, '--json', '--start', 'sleep 60'], {}, 180_000);
    expect(code).toBe(1);
    const report = AcceptanceReport.parse(JSON.parse(stdout.trim().split('\n').pop() ?? '{}'));
    expect(report.checks[0]).toMatchObject({ kind: 'server_starts', status: 'failed' });
    expect(report.checks[0]?.actual.problem).toMatch(/did not listen on PORT=\d+ within 1500 ms/);
    console.log(`autodev accept with a 1500 ms start limit: CLI wall ${Math.round(performance.now() - started)} ms (includes daemon start)`);
  });
});
