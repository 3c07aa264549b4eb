import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRegularFiles } from '../actors/fs/copy-tree.js';
import { UnsafeWritePathError, writeFileUnder } from '../actors/fs/safe-write.js';
import { exportTree } from '../actors/git/export-tree.js';
import { initJobRepo } from '../actors/git/repo.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { assertSafeRelativePath } from '../actors/worker/safe-path.js';
import { tempDir } from './helpers/env.js';
import { bwrapSkipReason } from './helpers/bwrap.js';

/**
 * Issue 14 item 3: sandboxed code (the project's tests) can turn any folder
 * of its workspace into a symlink to a host path; the host's next write into
 * that workspace must not land there.
 */
const skip = bwrapSkipReason();

describe.skipIf(skip)('host writes into a workspace a sandbox wrote never follow its symlinks', () => {
  const sandbox = new BubblewrapSandbox();
  const dir = tempDir('symlink-escape');
  const outside = join(dir.path, 'outside');
  const workspace = join(dir.path, 'validate');

  beforeAll(() => {
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'host secret\n');
    mkdirSync(join(workspace, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(workspace, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
  });
  afterAll(async () => {
    await sandbox.close();
    dir.cleanup();
  });

  /** Runs as a test would: inside the sandbox, where `outside` is reachable only by its host path in a link. */
  const plant = async (script: string) => {
    const result = await sandbox.run(['sh', '-c', script], { workspace, timeoutMs: 20_000 });
    expect(result.exitCode).toBe(0);
  };
  const outsideNames = () => readdirSync(outside).sort();

  it('the next attempt replaces a symlinked node_modules or src and writes nothing outside', async () => {
    await plant(`mkdir -p src && ln -s ${outside} nm && mv node_modules old && mv nm node_modules && rm -rf src && ln -s ${outside} src`);
    expect(lstatSync(join(workspace, 'node_modules')).isSymbolicLink()).toBe(true);
    // The validator writes the next attempt's tree with exportTree, keeping node_modules.
    const repo = join(dir.path, 'attempt-repo');
    const commit = await initJobRepo(repo, [
      { path: 'package.json', content: '{"name":"app"}\n' },
      { path: 'src/index.js', content: 'console.log(1);\n' },
    ], 'attempt 2');
    await exportTree(repo, commit, workspace, new Set(['node_modules']));
    expect(outsideNames()).toEqual(['secret.txt']);
    expect(lstatSync(join(workspace, 'src')).isDirectory()).toBe(true);
    expect(readFileSync(join(workspace, 'src', 'index.js'), 'utf8')).toBe('console.log(1);\n');
    // A kept node_modules that became a link is removed (the link, not its target), so the install runs afresh.
    expect(existsSync(join(workspace, 'node_modules'))).toBe(false);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('host secret\n');
  });

  it('refuses a write through a linked folder inside node_modules and replaces a linked leaf', async () => {
    await plant(`mkdir -p node_modules && ln -s ${outside} node_modules/.cache && ln -s ${outside}/secret.txt node_modules/.autodev-installed`);
    await expect(writeFileUnder(workspace, 'node_modules/.cache/evil.js', 'x')).rejects.toBeInstanceOf(UnsafeWritePathError);
    await writeFileUnder(workspace, 'node_modules/.autodev-installed', 'digest');
    expect(lstatSync(join(workspace, 'node_modules', '.autodev-installed')).isFile()).toBe(true);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('host secret\n');
    expect(outsideNames()).toEqual(['secret.txt']);
  });

  it('the build export and the artifact copy neither follow nor carry links', async () => {
    const repo = join(dir.path, 'repo');
    const commit = await initJobRepo(repo, [{ path: 'src/app.js', content: 'ok\n' }], 'chore: start');
    const build = join(dir.path, 'build');
    mkdirSync(build);
    await sandboxRunIn(build, `ln -s ${outside} node_modules && ln -s ${outside} src`);
    await exportTree(repo, commit, build, new Set(['node_modules']));
    expect(outsideNames()).toEqual(['secret.txt']);
    expect(existsSync(join(build, 'node_modules'))).toBe(false);
    expect(readFileSync(join(build, 'src', 'app.js'), 'utf8')).toBe('ok\n');
    // The sandboxed build step then leaves links among its outputs.
    await sandboxRunIn(build, `mkdir -p web dist && ln -s ${outside} web/dist && ln -s ${outside}/secret.txt dist/leak.txt && echo built > dist/app.js`);
    const artifacts = join(dir.path, 'artifacts');
    expect(await copyRegularFiles(build, 'dist', join(artifacts, 'dist'))).toEqual(['app.js']);
    expect(await copyRegularFiles(build, 'web/dist', join(artifacts, 'web'))).toEqual([]);
  });

  async function sandboxRunIn(ws: string, script: string): Promise<void> {
    const result = await sandbox.run(['sh', '-c', script], { workspace: ws, timeoutMs: 20_000 });
    expect(result.exitCode).toBe(0);
  }
});

describe('generated file paths', () => {
  it('refuse node_modules at any depth', () => {
    expect(() => assertSafeRelativePath('node_modules/dep/index.js')).toThrow(/node_modules/);
    expect(() => assertSafeRelativePath('packages/a/node_modules/x.js')).toThrow(/node_modules/);
    expect(assertSafeRelativePath('src/node_modules_helper.js')).toBe('src/node_modules_helper.js');
  });
});
