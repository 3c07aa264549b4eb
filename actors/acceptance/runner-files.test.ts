import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SandboxResult } from '../sandbox/sandbox.js';
import { RESULT_MARKER } from './runner-protocol.js';
import { parseJudgeRun } from './runner-result.js';
import { runnerSourceDir } from './runner-files.js';

const ran = (stdout: string, fields: Partial<SandboxResult> = {}): SandboxResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false, oomKilled: false, durationMs: 5, ...fields });

describe('the acceptance judge', () => {
  it('imports nothing but node builtins and the files copied beside it (its sandbox has no node_modules)', () => {
    const dir = runnerSourceDir();
    for (const name of ['in-sandbox-runner.js', 'http-executor.js', 'credential-placement.js', 'form-encoding.js', 'runner-protocol.js']) {
      const source = readFileSync(join(dir, name), 'utf8');
      const specifiers = [...source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
      for (const specifier of specifiers) expect(specifier, `${name} imports ${specifier}`).toMatch(/^(node:|\.\/(http-executor|credential-placement|form-encoding|runner-protocol)\.js$)/);
    }
  });

  it('takes exactly one marked line, and only from a judge that exited 0 on its own', () => {
    const result = { listening: true, problem: null, port: 20001, portNote: null, startMs: 5, outcomes: [] };
    const line = `${RESULT_MARKER}${JSON.stringify(result)}`;
    expect(parseJudgeRun(ran(`noise\n${line}\n`))).toEqual(result);
    // A second marked line means someone else wrote there: no verdict at all, not the last one.
    expect(parseJudgeRun(ran(`${RESULT_MARKER}{"forged": true}\n${line}\n`))).toMatch(/more than one result/);
    // The attack seen: a forged line, then the judge killed. Its exit code decides, never its output.
    expect(parseJudgeRun(ran(`${line}\n`, { exitCode: 137 }))).toMatch(/exited with 137 \(killed\)/);
    expect(parseJudgeRun(ran(`${line}\n`, { timedOut: true, exitCode: 137 }))).toMatch(/did not finish in time/);
    expect(parseJudgeRun(ran(`${line}\n`, { aborted: true }))).toMatch(/stopped/);
    expect(parseJudgeRun(ran(`${line}\n`, { oomKilled: true }))).toMatch(/memory/);
    expect(parseJudgeRun(ran('the app printed this'))).toMatch(/printed no result/);
    expect(parseJudgeRun(ran(`${RESULT_MARKER}{"listening": "yes"}`))).toMatch(/expected shape/);
    expect(parseJudgeRun(ran(`${RESULT_MARKER}{"cut`))).toMatch(/not JSON/);
  });
});
