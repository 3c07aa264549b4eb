import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptanceSuite } from '../../proto/index.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { acceptApp } from './app-runner.js';

const SUITE: AcceptanceSuite = {
  type: 'acceptance.suite',
  title: 'starts',
  checks: [{ id: 'c1', operationId: '-', kind: 'operation', title: 'no request', steps: [], unverifiable: 'start only' }],
  commands: [],
  schemas: {},
  dialect: '2020-12',
};

/** An app with no way to start is refused before anything runs, so the sandbox must never be used. */
const untouchable: Sandbox = {
  backend: 'bubblewrap',
  run: () => Promise.reject(new Error('the sandbox was used')),
  start: () => Promise.reject(new Error('the sandbox was used')),
  close: () => Promise.resolve(),
};

describe('an app that has no way to start', () => {
  const dir = { path: mkdtempSync(join(tmpdir(), 'autodev-no-start-')) };
  beforeAll(() => {
    mkdirSync(join(dir.path, 'scriptless'));
    writeFileSync(join(dir.path, 'scriptless', 'package.json'), JSON.stringify({ name: 'x', scripts: { test: 'node --test' } }));
    mkdirSync(join(dir.path, 'bare'));
    writeFileSync(join(dir.path, 'bare', 'server.js'), '');
  });
  afterAll(() => rmSync(dir.path, { recursive: true, force: true }));

  async function problem(app: string, canPassStart: boolean | undefined): Promise<string | null | undefined> {
    const report = await acceptApp({ sandbox: untouchable, appDir: join(dir.path, app), workDir: join(dir.path, `${app}-run-${String(canPassStart)}`), suite: SUITE, ...(canPassStart === undefined ? {} : { canPassStart }) });
    return report.checks.find((c) => c.kind === 'server_starts')?.actual.problem;
  }

  it('is told, inside a job, what the app must have: a start script, never a --start flag its user cannot pass', async () => {
    const inJob = await problem('scriptless', undefined);
    expect(inJob).toMatch(/^package\.json has no start script: the app must have a package\.json whose "start" script starts the server/);
    expect(inJob).not.toContain('--start');
    const bare = await problem('bare', false);
    expect(bare).toMatch(/^the app has no package\.json: the app must have/);
    expect(bare).not.toContain('--start');
  });

  it('is told to pass --start under autodev accept, whose user can', async () => {
    expect(await problem('scriptless', true)).toBe('package.json has no start script; add one or pass --start CMD');
    expect(await problem('bare', true)).toBe('the app has no package.json; pass --start CMD to say how it starts');
  });
});
