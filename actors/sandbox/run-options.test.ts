import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, resolveRun } from './run-options.js';

const dir = mkdtempSync(join(tmpdir(), 'autodev-runopts-'));
const defaults = { limits: DEFAULT_LIMITS, timeoutMs: 1000 };

describe('resolveRun', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fills defaults, keeps cwd under /workspace and puts HOME on the tmpfs', async () => {
    mkdirSync(join(dir, 'pkg/a'), { recursive: true });
    const run = await resolveRun(['node', '-v'], { workspace: dir, cwd: 'pkg/./a', limits: { pids: 64 } }, defaults);
    expect(run.cwd).toBe('/workspace/pkg/a');
    expect(run.limits).toEqual({ ...DEFAULT_LIMITS, pids: 64 });
    expect(run.env.HOME).toBe('/tmp');
    expect(run.network).toBe('none');
    expect(run.timeoutMs).toBe(1000);
  });

  it('rejects what would escape or cannot run, naming the problem', async () => {
    await expect(resolveRun([], { workspace: dir }, defaults)).rejects.toThrow(/needs a command/);
    await expect(resolveRun(['true'], { workspace: join(dir, 'missing') }, defaults)).rejects.toThrow(/is not a folder/);
    writeFileSync(join(dir, 'file'), '');
    await expect(resolveRun(['true'], { workspace: join(dir, 'file') }, defaults)).rejects.toThrow(/is not a folder/);
    await expect(resolveRun(['true'], { workspace: dir, cwd: 'a/../../b' }, defaults)).rejects.toThrow(/inside the workspace/);
    await expect(resolveRun(['true'], { workspace: dir, cwd: '/etc' }, defaults)).rejects.toThrow(/inside the workspace/);
    await expect(resolveRun(['true'], { workspace: dir, cwd: 'missing' }, defaults)).rejects.toThrow(/"missing" is not a folder in the workspace/);
    await expect(resolveRun(['true'], { workspace: dir, limits: { memoryBytes: 10 } }, defaults)).rejects.toThrow(/memoryBytes/);
    await expect(resolveRun(['true'], { workspace: dir, env: { 'A B': 'x' } }, defaults)).rejects.toThrow(/"A B" is invalid/);
    await expect(resolveRun(['true'], { workspace: dir, timeoutMs: 0 }, defaults)).rejects.toThrow(/timeoutMs/);
  });
});
