import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptApp } from '../actors/acceptance/app-runner.js';
import { suiteFromAcceptancePlan } from '../actors/acceptance/prompt-suite.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { ensureBaseImage } from '../actors/sandbox/docker-image.js';
import { DockerSandbox } from '../actors/sandbox/docker-sandbox.js';
import type { Sandbox } from '../actors/sandbox/sandbox.js';
import { AcceptancePlan } from '../proto/acceptance-plan.js';
import type { AcceptanceReport } from '../proto/index.js';
import { bwrapSkipReason } from './helpers/bwrap.js';
import { dockerSkipReason, useSharedDocker, type TestDocker } from './helpers/docker.js';
import { tempDir } from './helpers/env.js';
import { hostileServer, MARKER } from './fixtures/hostile-judge-app.js';

/**
 * Issue 19 item 1: the app under acceptance found the checker's pid in
 * /proc, wrote a forged passing result line to its stdout (through
 * /proc/<pid>/fd/1, or a descriptor copied out with pidfd_getfd), and
 * SIGKILLed it; the daemon took the last marked line and reported 2/2 passed
 * for an app that answers 500. Now the judge runs in a sandbox of its own
 * beside the app, as another uid, and its verdict counts only when it
 * exited 0 on its own: every attack must leave the check failed.
 */
const suite = suiteFromAcceptancePlan(
  AcceptancePlan.parse({ checks: [{ kind: 'http', title: 'answers ping', method: 'get', path: '/ping', body: null, expectStatus: 200, bodyIncludes: ['pong'] }] }),
  'ping',
);
const checkId = suite.checks[0]?.id ?? '';
/** What the reviewer's forged line said: the check answered 200 "pong". */
const forgedLine = `${MARKER}${JSON.stringify({
  listening: true, problem: null, port: 20000, portNote: null, startMs: 1,
  outcomes: [{ id: checkId, steps: [{ sent: { method: 'GET', path: '/ping', body: null }, response: { status: 200, contentType: 'text/plain', body: 'pong', truncated: false }, error: null, captured: {}, durationMs: 1 }] }],
  // The judge's old protocol too, in case a reader still took it.
  started: true, log: '', commandOutcomes: [],
})}`;
const ATTACKS = ['fdwrite', 'pidfd', 'kill'] as const;

function hostileApp(root: string, attack: string): string {
  const dir = join(root, `app-${attack}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'hostile', version: '1.0.0', private: true, scripts: { start: `node server.js ${attack}` } }));
  writeFileSync(join(dir, 'server.js'), hostileServer(forgedLine));
  return dir;
}

/** The attack ran (its log says what it found), and the app's 500 failed the check. */
function expectNotForged(report: AcceptanceReport, attack: string): void {
  const log = report.app?.logExcerpt ?? '';
  expect(log, 'the attack ran').toContain(`attack ${attack}: found`);
  // The judge is in another pid namespace: the app cannot even see it.
  expect(log).toContain(`attack ${attack}: found 0 judge processes`);
  const ping = report.checks.find((c) => c.id === checkId);
  expect(ping?.status, JSON.stringify(report.checks)).toBe('failed');
  expect(ping?.actual.status).toBe(500);
  expect(report.failed).toBeGreaterThan(0);
  expect(report.passed).toBeLessThan(report.total);
}

async function judgeAll(sandbox: Sandbox, root: string): Promise<void> {
  for (const attack of ATTACKS) {
    const report = await acceptApp({ sandbox, appDir: hostileApp(root, attack), workDir: join(root, `run-${attack}`), suite });
    expectNotForged(report, attack);
  }
}

const bwrapSkip = bwrapSkipReason() ?? (process.getuid?.() === 0 ? undefined : 'the judge runs apart from the app only under a root daemon');
describe.skipIf(bwrapSkip)(`the judge cannot be forged on bubblewrap${bwrapSkip ? ` (skipped: ${bwrapSkip})` : ''}`, () => {
  const work = tempDir('forge-bwrap');
  const sandbox = new BubblewrapSandbox();
  afterAll(async () => {
    await sandbox.close();
    work.cleanup();
  });

  it('fd write, pidfd_getfd and kill all leave the check failed', async () => {
    await judgeAll(sandbox, work.path);
  });
});

const dockerSkip = dockerSkipReason();
describe.skipIf(dockerSkip)(`the judge cannot be forged on Docker${dockerSkip ? ` (skipped: ${dockerSkip})` : ''}`, () => {
  let engine: TestDocker;
  let sandbox: DockerSandbox;
  const work = tempDir('forge-docker');
  beforeAll(async () => {
    engine = useSharedDocker();
    await ensureBaseImage(engine.docker, 'autodev-sandbox-test:1');
    sandbox = new DockerSandbox({ docker: engine.docker, image: 'autodev-sandbox-test:1', owner: 'test-forge' });
  });
  afterAll(async () => {
    await sandbox?.close();
    await engine?.stop();
    work.cleanup();
  });

  it('fd write, pidfd_getfd and kill all leave the check failed', async () => {
    await judgeAll(sandbox, work.path);
  });
});
