import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { UnsafeSandbox } from '../actors/sandbox/unsafe-sandbox.js';
import { tempDir } from './helpers/env.js';

// The no-isolation backend runs real processes on the host; what little it promises is checked here.
describe('UnsafeSandbox', () => {
  const sandbox = new UnsafeSandbox();
  const ws = tempDir('unsafe-ws');
  afterAll(async () => {
    await sandbox.close();
    ws.cleanup();
  });

  it('gives each run its own TMPDIR and removes it, files and all, when the run ends', async () => {
    const script = 'const fs=require("fs"),os=require("os");fs.writeFileSync(os.tmpdir()+"/left-behind","x");console.log(os.tmpdir())';
    const first = await sandbox.run(['node', '-e', script], { workspace: ws.path });
    const second = await sandbox.run(['node', '-e', script], { workspace: ws.path });
    expect(first.exitCode).toBe(0);
    const [a, b] = [first.stdout.trim(), second.stdout.trim()];
    expect(a.startsWith(tmpdir())).toBe(true);
    expect(a).not.toBe(tmpdir());
    expect(a).not.toBe(b);
    expect(existsSync(a)).toBe(false);
    expect(existsSync(b)).toBe(false);
  });

  it('kills a run that outlives its time limit, and still removes its TMPDIR', async () => {
    const result = await sandbox.run(['sh', '-c', 'echo "$TMPDIR"; sleep 30'], { workspace: ws.path, timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    // It sleeps 30 s: ending well before shows the 300 ms limit killed it.
    expect(result.durationMs).toBeLessThan(20_000);
    expect(existsSync(result.stdout.trim())).toBe(false);
  });
});
