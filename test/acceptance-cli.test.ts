import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcceptanceReport } from '../proto/index.js';
import { runCli } from './helpers/cli.js';
import { REPO_ROOT, tempDir, writeConfig } from './helpers/env.js';
import { hostileServer, MARKER } from './fixtures/hostile-judge-app.js';

const PING_SPEC = `openapi: 3.0.3
info: { title: ping, version: '1' }
paths:
  /ping:
    get:
      operationId: ping
      responses:
        '200':
          description: pong
          content:
            text/plain:
              schema: { type: string }
`;

const BOOKS = join(REPO_ROOT, 'test', 'fixtures', 'acceptance', 'books');
const SPEC = join(BOOKS, 'openapi.yaml');

/** `autodev accept` as a user runs it: the built CLI, a daemon it starts, the real bubblewrap sandbox. */
describe('autodev accept through the daemon and the sandbox', () => {
  const home = tempDir('accept');
  const args = (...rest: string[]) => ['accept', BOOKS, '--spec', SPEC, '--home', home.path, ...rest];
  const report = (stdout: string) => AcceptanceReport.parse(JSON.parse(stdout.trim().split('\n').pop() ?? '{}'));

  beforeAll(() => writeConfig(home.path, { sandbox: { backend: 'bubblewrap' } }));
  afterAll(async () => {
    await runCli(['daemon', 'stop', '--home', home.path]);
    home.cleanup();
  });

  it('passes every check of the correct books app, with --json printing one report object', async () => {
    const started = performance.now();
    const { code, stdout, stderr } = await runCli(args('--json'), {}, 180_000);
    expect(code, stderr).toBe(0);
    const result = report(stdout);
    expect(result.failed).toBe(0);
    expect(result.passed).toBe(result.total);
    expect(result.app?.sandbox).toBe('bubblewrap');
    expect(result.checks[0]).toMatchObject({ kind: 'server_starts', status: 'passed' });
    expect(result.app?.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['install:skipped', 'rebuild:skipped', 'build:skipped', 'start:passed']);
    // The copy is private: nothing was written into the app's folder, nothing left in the daemon's.
    expect(existsSync(join(BOOKS, '.autodev-acceptance'))).toBe(false);
    expect(readdirSync(join(home.path, 'acceptance'))).toEqual([]);
    console.log(`autodev accept, books: ${result.total} checks; report ${result.durationMs} ms; CLI wall ${Math.round(performance.now() - started)} ms (includes daemon start)`);
  });

  it('exits 1 and names the failing check, its request and answer, when the app has a bug', async () => {
    const started = performance.now();
    const { code, stdout } = await runCli(args('--start', 'BUG=update_ignored node server.js'), {}, 180_000);
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAIL {2}update +createBook\.update\.updateBook +title is "string", expected "other value"/);
    expect(stdout).toMatch(/request: {2}GET \/api\/books\/[0-9a-f-]{36}/);
    expect(stdout).toMatch(/\d+ passed, 2 failed, 0 unverified of \d+ checks \(sandbox: bubblewrap/);
    console.log(`autodev accept with a warm daemon: CLI wall ${Math.round(performance.now() - started)} ms`);
  });

  it('fails server_starts with the app log when the app never listens, leaving the other checks unverified', async () => {
    const { code, stdout } = await runCli(args('--json', '--start', 'node -e "console.error(\'boom: DATABASE_URL is not set\'); process.exit(3)"'), {}, 180_000);
    expect(code).toBe(1);
    const result = report(stdout);
    expect(result.checks[0]).toMatchObject({ kind: 'server_starts', status: 'failed' });
    expect(result.checks[0]?.actual.problem).toMatch(/exited with code 3 before listening on PORT=\d+/);
    expect(result.checks[0]?.actual.bodyExcerpt).toContain('boom: DATABASE_URL is not set');
    expect(result.failed).toBe(1);
    expect(result.unverified).toBe(result.total - 1);
  });

  it('an app that attacks the judge (fd write, pidfd_getfd, SIGKILL, each with a forged result line) still fails: issue 19 item 1', async () => {
    const spec = join(home.path, 'ping.yaml');
    writeFileSync(spec, PING_SPEC);
    for (const attack of ['fdwrite', 'pidfd', 'kill']) {
      const app = join(home.path, `hostile-${attack}`);
      mkdirSync(app);
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'hostile', version: '1.0.0', private: true, scripts: { start: `node server.js ${attack}` } }));
      // The forged line claims every check passed; the app itself answers 500 to everything.
      writeFileSync(join(app, 'server.js'), hostileServer(`${MARKER}${JSON.stringify({ listening: true, problem: null, port: 20000, portNote: null, startMs: 1, outcomes: [] })}`));
      const { code, stdout, stderr } = await runCli(['accept', app, '--spec', spec, '--home', home.path, '--json'], {}, 180_000);
      expect(code, stderr).toBe(1);
      const result = report(stdout);
      expect(result.app?.logExcerpt).toContain(`attack ${attack}: found 0 judge processes`);
      expect(result.failed).toBeGreaterThan(0);
      expect(result.checks.filter((c) => c.kind !== 'server_starts').every((c) => c.status !== 'passed'), JSON.stringify(result.checks)).toBe(true);
    }
  });

  it('gives usage errors exit code 2: no spec, a spec that is not OpenAPI, a missing folder', async () => {
    expect((await runCli(['accept', BOOKS, '--home', home.path])).code).toBe(2);
    const notSpec = join(home.path, 'not-a-spec.yaml');
    writeFileSync(notSpec, 'hello: world\n');
    const bad = await runCli(['accept', BOOKS, '--spec', notSpec, '--home', home.path]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not an OpenAPI document/);
    expect((await runCli(['accept', join(home.path, 'nope'), '--spec', SPEC, '--home', home.path])).code).toBe(2);
  });
});
