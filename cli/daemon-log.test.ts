import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { logOffset, startupFailure } from './daemon-log.js';

const dirs: string[] = [];
const logWith = (text: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'daemon-log-'));
  dirs.push(dir);
  const file = join(dir, 'daemon.log');
  writeFileSync(file, text);
  return file;
};

describe("why the daemon did not start, from its log", () => {
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("takes the daemon's own fatal line, and only from this run", async () => {
    const file = logWith('autodevd: an earlier run failed for another reason\n');
    const offset = await logOffset(file);
    appendFileSync(file, '{"level":"info","msg":"starting"}\nautodevd: invalid configuration (config.json): maxParallelTasks: Invalid input: expected number, received string\n');
    expect(await startupFailure(file, offset)).toBe('invalid configuration (config.json): maxParallelTasks: Invalid input: expected number, received string');
    expect(await startupFailure(file, await logOffset(file))).toBeNull();
  });

  it('falls back to an error log line, then to the error of a crash, never a stack frame or the Node version', async () => {
    expect(await startupFailure(logWith('{"level":"error","msg":"cannot start nats-server","error":"spawn ENOENT\\n  at x"}\n'), 0)).toBe('cannot start nats-server: spawn ENOENT');
    const crash = 'file:///x.js:1\nimport { y } from "./z.js";\nSyntaxError: The requested module does not provide an export named y\n    at ModuleJob._instantiate (node:internal)\n\nNode.js v20.20.2\n';
    expect(await startupFailure(logWith(crash), 0)).toBe('SyntaxError: The requested module does not provide an export named y');
  });

  it('escapes what could drive the terminal, and bounds the length', async () => {
    const reason = await startupFailure(logWith(`autodevd: bad \u001b[31mred\u001b[0m ${'x'.repeat(2000)}\n`), 0);
    expect(reason).toMatch(/^bad \\x1b\[31mred\\x1b\[0m x+…$/);
    expect(reason?.length).toBeLessThan(700);
    expect(await startupFailure(join(tmpdir(), 'no-such-daemon-log'), 0)).toBeNull();
  });
});
