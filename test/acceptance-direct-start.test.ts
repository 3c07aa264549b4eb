import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptanceReport } from '../proto/index.js';
import { AcceptancePlan } from '../proto/acceptance-plan.js';
import { acceptApp } from '../actors/acceptance/app-runner.js';
import { isPlan } from '../actors/acceptance/in-sandbox-runner.js';
import { suiteFromAcceptancePlan } from '../actors/acceptance/prompt-suite.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { tempDir } from './helpers/env.js';
import { bwrapSkipReason } from './helpers/bwrap.js';

const skip = bwrapSkipReason();

/** Answers every request with the npm script it was started by, if any: npm sets npm_lifecycle_event, node alone does not. */
const SERVER = `require('node:http')
  .createServer((req, res) => res.end('lifecycle=' + (process.env.npm_lifecycle_event ?? 'none')))
  .listen(Number(process.env.PORT), process.env.HOST);
`;

/** A start script of plain `node …` runs as node itself (no npm start-up), and one npm would add to still runs through npm. */
describe.skipIf(skip)(`the app's start script in the sandbox${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sandbox: BubblewrapSandbox;
  const work = tempDir('direct-start');
  let n = 0;
  const suite = suiteFromAcceptancePlan(
    AcceptancePlan.parse({ checks: [{ kind: 'http', title: 'says how it was started', method: 'get', path: '/', body: null, expectStatus: 200, bodyIncludes: ['lifecycle='] }] }),
    'lifecycle',
  );

  /** Checks an app with these scripts and server.js; answers what started it and how long the start step took. */
  const startedBy = async (scripts: Record<string, string>): Promise<{ lifecycle: string; startMs: number; report: AcceptanceReport }> => {
    const appDir = join(work.path, `app-${++n}`);
    mkdirSync(appDir);
    writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: `app-${n}`, version: '1.0.0', private: true, scripts }));
    writeFileSync(join(appDir, 'server.js'), SERVER);
    const report = await acceptApp({ sandbox, appDir, workDir: join(work.path, `run-${n}`), suite });
    expect(report.checks.map((c) => c.status), JSON.stringify(report.checks)).toEqual(['passed', 'passed']);
    const answer = report.checks.find((c) => c.title === 'says how it was started')?.actual.bodyExcerpt ?? '';
    return { lifecycle: answer.replace(/^lifecycle=/, ''), startMs: report.app?.steps.find((s) => s.name === 'start')?.durationMs ?? NaN, report };
  };

  beforeAll(() => {
    sandbox = new BubblewrapSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
    work.cleanup();
  });

  it('starts a plain `node server.js` as node itself, and each shape npm adds to through npm start', async () => {
    const direct = await startedBy({ start: 'node server.js' });
    expect(direct.lifecycle).toBe('none');
    expect(direct.report.app?.sandbox).toBe('bubblewrap');

    // The shell's `&&`, a prestart script, and a node of the project's own (here made by the build, in the sandbox) all need npm.
    const shell = await startedBy({ start: 'node server.js && true' });
    expect(shell.lifecycle).toBe('start');
    expect((await startedBy({ prestart: 'node -e 0', start: 'node server.js' })).lifecycle).toBe('start');
    const linkNode = "node -e \"const fs = require('fs'); fs.mkdirSync('node_modules/.bin', { recursive: true }); fs.symlinkSync(process.execPath, 'node_modules/.bin/node')\"";
    expect((await startedBy({ build: linkNode, start: 'node server.js' })).lifecycle).toBe('start');

    const again = await startedBy({ start: 'node server.js' });
    const viaNpm = await startedBy({ start: 'node server.js && true' });
    console.log(`app start until listening, bubblewrap: node directly ${direct.startMs} ms, ${again.startMs} ms; through npm start ${shell.startMs} ms, ${viaNpm.startMs} ms`);
  });
});

describe('the runner plan', () => {
  const plan = { checks: [], commands: [], start: null, startTimeoutMs: 1, requestTimeoutMs: 1, checksTimeoutMs: 1, commandTimeoutMs: 1 };

  it('takes a start argv, or none, and rejects a malformed one', () => {
    expect(isPlan(plan)).toBe(true);
    expect(isPlan({ ...plan, startArgv: null })).toBe(true);
    expect(isPlan({ ...plan, startArgv: ['node', 'server.js'] })).toBe(true);
    for (const startArgv of [[], 'node server.js', ['node', 1], [''], [null], {}]) expect(isPlan({ ...plan, startArgv }), JSON.stringify(startArgv)).toBe(false);
    expect(isPlan({ ...plan, start: 3 })).toBe(false);
    expect(isPlan({ ...plan, checks: undefined })).toBe(false);
    expect(isPlan(null)).toBe(false);
  });
});
