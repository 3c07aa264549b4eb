import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerMain, type WorkerProcess } from './worker-main.js';

/** The worker's entry takes the process from main.ts: what it prints, and the environment it reads, are the ones handed in. */
function fakeProcess(env: NodeJS.ProcessEnv): WorkerProcess & { out: string[]; err: string[]; signals: number } {
  const io = {
    env,
    out: [] as string[],
    err: [] as string[],
    signals: 0,
    stdout: (text: string) => void io.out.push(text),
    stderr: (text: string) => void io.err.push(text),
    onStopSignal: () => void (io.signals += 1),
  };
  return io;
}

describe('workerMain', () => {
  it('answers --help and usage errors through the streams it is given', async () => {
    const help = fakeProcess({});
    expect(await workerMain(['--help'], help)).toBe(0);
    expect(help.out.join('')).toContain('autodevd worker: run worker agents');
    const bad = fakeProcess({});
    expect(await workerMain(['--nats', 'nats://x', '--roles', 'backend,chef'], bad)).toBe(2);
    expect(bad.err.join('')).toContain('unknown role "chef"');
    expect(bad.signals).toBe(0);
  });

  it('reads the home from the environment it is given, not the process', async () => {
    const home = mkdtempSync(join(tmpdir(), 'worker-main-'));
    try {
      writeFileSync(join(home, 'config.json'), '{ not json');
      const io = fakeProcess({ AUTODEV_HOME: home });
      expect(await workerMain(['--nats', 'nats://127.0.0.1:9'], io)).toBe(1);
      expect(io.err.join('')).toContain(join(home, 'config.json'));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
