import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RESULT_MARKER } from './runner-protocol.js';
import { parseRunnerOutput } from './runner-result.js';
import { runnerSourceDir } from './runner-files.js';

describe('the in-sandbox runner', () => {
  it('imports nothing but node builtins and the files copied beside it (the sandbox has no node_modules for it)', () => {
    const dir = runnerSourceDir();
    for (const name of ['in-sandbox-runner.js', 'http-executor.js', 'command-executor.js', 'runner-protocol.js']) {
      const source = readFileSync(join(dir, name), 'utf8');
      const specifiers = [...source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
      for (const specifier of specifiers) expect(specifier, `${name} imports ${specifier}`).toMatch(/^(node:|\.\/(http-executor|command-executor|runner-protocol)\.js$)/);
    }
  });

  it('takes only its own marked line from stdout, and says why when there is none or it is malformed', () => {
    const result = { started: true, problem: null, port: 1, startMs: 5, log: '', outcomes: [], commandOutcomes: [] };
    expect(parseRunnerOutput(`noise\n${RESULT_MARKER}{"forged": true}\n${RESULT_MARKER}${JSON.stringify(result)}\n`)).toEqual(result);
    expect(parseRunnerOutput('the app printed this')).toMatch(/printed no result/);
    expect(parseRunnerOutput(`${RESULT_MARKER}{"started": "yes"}`)).toMatch(/expected shape/);
    expect(parseRunnerOutput(`${RESULT_MARKER}{"cut`)).toMatch(/not JSON/);
  });
});
