import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callTool, ToolError } from '../tool.js';
import { deleteFile, filesystemToolDeps, listFiles, readFile, writeFile } from './filesystem.js';
import { executeCode } from './execute-code.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'autodev-fs-tools-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('filesystem tools, called as definitions', () => {
  it('writes, reads, lists and deletes in a real folder', async () => {
    const deps = filesystemToolDeps({ workspace: dir });
    expect(await callTool(writeFile, { path: 'src/a.txt', content: 'héllo' }, deps)).toEqual({ path: 'src/a.txt', bytes: 6 });
    expect(readFileSync(join(dir, 'src', 'a.txt'), 'utf8')).toBe('héllo');
    expect(await callTool(readFile, { path: 'src/a.txt' }, deps)).toEqual({ path: 'src/a.txt', content: 'héllo', bytes: 6 });
    expect((await callTool(listFiles, { recursive: true }, deps)).entries.map((e) => `${e.type}:${e.path}`)).toEqual(['directory:src', 'file:src/a.txt']);
    expect(await callTool(deleteFile, { path: 'src', recursive: true }, deps)).toEqual({ path: 'src', deleted: true });
  });

  it('keeps its limits and confinement: a file over maxReadBytes, a symlink out of the workspace', async () => {
    writeFileSync(join(dir, 'big.txt'), 'x'.repeat(100));
    symlinkSync('/etc/hostname', join(dir, 'out'));
    const deps = filesystemToolDeps({ workspace: dir, maxReadBytes: 10 });
    await expect(callTool(readFile, { path: 'big.txt' }, deps)).rejects.toThrow(/over the 10-byte limit/);
    const escape = await callTool(readFile, { path: 'out' }, deps).catch((error: unknown) => error);
    expect(escape).toBeInstanceOf(ToolError);
    expect((escape as ToolError).reason).toBe('denied');
  });

  it('refuses execute_code when it was given no sandbox', async () => {
    await expect(callTool(executeCode, { language: 'sh', code: 'echo hi' }, filesystemToolDeps({ workspace: dir }))).rejects.toThrow(/needs a sandbox/);
  });
});
