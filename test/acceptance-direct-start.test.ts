import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptanceReport } from '../proto/index.js';
import { AcceptancePlan } from '../proto/acceptance-plan.js';
import { acceptApp } from '../actors/acceptance/app-runner.js';
import { isPlan, listeningPorts } from '../actors/acceptance/in-sandbox-runner.js';
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

describe('the judge', () => {
  const plan = { checks: [], port: 20001, startTimeoutMs: 1, requestTimeoutMs: 1, checksTimeoutMs: 1 };

  it('takes a plan with a port, and rejects a malformed one', () => {
    expect(isPlan(plan)).toBe(true);
    expect(isPlan({ ...plan, port: '20001' })).toBe(false);
    expect(isPlan({ ...plan, checks: undefined })).toBe(false);
    expect(isPlan(null)).toBe(false);
  });

  it('finds the ports listening in its network namespace from /proc/net/tcp and tcp6', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 11598 1',
      '   1: 0100007F:9C41 0100007F:0BB8 01 00000000:00000000 00:00000000 00000000 65533        0 11599 1',
    ].join('\n');
    const tcp6 = ['header', '   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 65534 0 1 1'].join('\n');
    expect(listeningPorts((file) => (file.endsWith('6') ? tcp6 : tcp))).toEqual([3000, 8080]);
    expect(listeningPorts(() => {
      throw new Error('no /proc here');
    })).toEqual([]);
  });
});
