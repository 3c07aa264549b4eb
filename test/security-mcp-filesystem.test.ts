import { existsSync, linkSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initJobRepo } from '../actors/git/repo.js';
import { callOk, callTool, connectServer, errorText, jobContext } from './helpers/mcp.js';
import { tempDir } from './helpers/env.js';

// Issue 14 item 5: the filesystem tools' .git refusal and confinement hold against symlinks
// (to .git, out of the workspace, as the last part) and hard links, and delete_file removes a link, never its target.
const home = tempDir('sec-mcp-fs');
const jobsDir = join(home.path, 'jobs');
const outside = join(home.path, 'outside');
let fs: Client;
let repo: string;
let gitConfig: string;

beforeAll(async () => {
  const ctx = jobContext(jobsDir, 'jfs');
  repo = ctx.workspace;
  await initJobRepo(repo, [{ path: 'src/real.txt', content: 'real\n' }], 'initial');
  gitConfig = readFileSync(join(repo, '.git', 'config'), 'utf8');
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'keep.txt'), 'outside file\n');
  symlinkSync('.git', join(repo, 'gitlink'));
  symlinkSync(outside, join(repo, 'outlink'));
  symlinkSync('src/real.txt', join(repo, 'alias.txt'));
  symlinkSync('src', join(repo, 'srclink'));
  symlinkSync(join(outside, 'keep.txt'), join(repo, 'filelink'));
  fs = await connectServer('filesystem', ctx);
});
afterAll(async () => {
  await fs.close();
  home.cleanup();
});

async function refused(tool: string, args: Record<string, unknown>, why: RegExp): Promise<void> {
  const result = await callTool(fs, tool, args);
  expect(result.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
  expect(errorText(result), `${tool} ${JSON.stringify(args)}`).toMatch(why);
}

describe('a symlink to .git', () => {
  it('cannot be read, written, listed, or have folders made or files deleted through it', async () => {
    await refused('read_file', { path: 'gitlink/config' }, /\.git/);
    await refused('read_file', { path: 'gitlink/HEAD' }, /\.git/);
    await refused('list_files', { path: 'gitlink' }, /\.git/);
    await refused('write_file', { path: 'gitlink/hooks/post-commit', content: '#!/bin/sh\nid\n' }, /symbolic link/);
    await refused('write_file', { path: 'gitlink/config', content: '[core]\n\tfsmonitor = id\n' }, /symbolic link/);
    await refused('create_directory', { path: 'gitlink/hooks2' }, /symbolic link/);
    await refused('delete_file', { path: 'gitlink/config' }, /symbolic link/);
    await refused('delete_file', { path: 'gitlink/objects', recursive: true }, /symbolic link/);
    expect(existsSync(join(repo, '.git', 'hooks', 'post-commit'))).toBe(false);
    expect(existsSync(join(repo, '.git', 'hooks2'))).toBe(false);
    expect(readFileSync(join(repo, '.git', 'config'), 'utf8')).toBe(gitConfig);
    expect(existsSync(join(repo, '.git', 'objects'))).toBe(true);
  });

  it('.git named directly is refused for reading too, in any letter case', async () => {
    await refused('read_file', { path: '.git/config' }, /inside \.git/);
    await refused('read_file', { path: '.GIT/config' }, /inside \.git/);
    await refused('list_files', { path: '.git' }, /inside \.git/);
  });

  it('delete_file on the link removes the link, and .git stays whole', async () => {
    expect(await callOk(fs, 'delete_file', { path: 'gitlink', recursive: true })).toEqual({ path: 'gitlink', deleted: true });
    expect(existsSync(join(repo, 'gitlink'))).toBe(false);
    expect(readFileSync(join(repo, '.git', 'HEAD'), 'utf8')).toContain('refs/heads/main');
    expect(readFileSync(join(repo, '.git', 'config'), 'utf8')).toBe(gitConfig);
  });
});

describe('a symlink to a folder outside the workspace', () => {
  it('is refused as a way through, and delete_file removes only the link', async () => {
    await refused('write_file', { path: 'outlink/new.txt', content: 'x' }, /symbolic link/);
    await refused('read_file', { path: 'outlink/keep.txt' }, /out of the workspace/);
    await refused('create_directory', { path: 'outlink/sub' }, /symbolic link/);
    expect(existsSync(join(outside, 'new.txt'))).toBe(false);
    expect(existsSync(join(outside, 'sub'))).toBe(false);
    expect(await callOk(fs, 'delete_file', { path: 'outlink', recursive: true })).toEqual({ path: 'outlink', deleted: true });
    expect(existsSync(join(repo, 'outlink'))).toBe(false);
    expect(readFileSync(join(outside, 'keep.txt'), 'utf8')).toBe('outside file\n');
  });

  it('a link to a file outside is deleted as a link; the file stays', async () => {
    expect(await callOk(fs, 'delete_file', { path: 'filelink' })).toEqual({ path: 'filelink', deleted: true });
    expect(readFileSync(join(outside, 'keep.txt'), 'utf8')).toBe('outside file\n');
  });
});

describe('symlinks inside the workspace', () => {
  it('a symlink as the last part is never written through; delete removes the link and keeps its target', async () => {
    await refused('write_file', { path: 'alias.txt', content: 'through the link' }, /symbolic link/);
    expect(readFileSync(join(repo, 'src', 'real.txt'), 'utf8')).toBe('real\n');
    expect(await callOk(fs, 'delete_file', { path: 'alias.txt' })).toEqual({ path: 'alias.txt', deleted: true });
    expect(lstatSync(join(repo, 'src', 'real.txt')).isFile()).toBe(true);
  });

  it('a write follows no symlinked folder, even one that stays inside; a read may', async () => {
    await refused('write_file', { path: 'srclink/new.txt', content: 'x' }, /symbolic link/);
    expect(existsSync(join(repo, 'src', 'new.txt'))).toBe(false);
    expect(await callOk(fs, 'read_file', { path: 'srclink/real.txt' })).toMatchObject({ content: 'real\n' });
  });

  it('a hard link to a file in .git is not written through', async () => {
    linkSync(join(repo, '.git', 'config'), join(repo, 'cfg'));
    await refused('write_file', { path: 'cfg', content: '[core]\n\tfsmonitor = id\n' }, /hard links/);
    expect(readFileSync(join(repo, '.git', 'config'), 'utf8')).toBe(gitConfig);
  });

  it('plain files still work', async () => {
    expect(await callOk(fs, 'write_file', { path: 'src/deep/new.txt', content: 'ok' })).toEqual({ path: 'src/deep/new.txt', bytes: 2 });
    expect(await callOk(fs, 'write_file', { path: 'src/deep/new.txt', content: 'o' })).toEqual({ path: 'src/deep/new.txt', bytes: 1 });
    expect(readFileSync(join(repo, 'src', 'deep', 'new.txt'), 'utf8')).toBe('o');
  });
});
