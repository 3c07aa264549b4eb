import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxRunAnswer } from '../proto/index.js';
import { DEFAULT_LIMITS, resolveRun } from '../actors/sandbox/run-options.js';
import { SANDBOX_UID } from '../actors/sandbox/sandbox-user.js';
import { copyRegularFiles } from '../actors/fs/copy-tree.js';
import { UnsafeWritePathError, writeFileUnder } from '../actors/fs/safe-write.js';
import { exportTree } from '../actors/git/export-tree.js';
import { initJobRepo } from '../actors/git/repo.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { assertSafeRelativePath } from '../actors/worker/safe-path.js';
import { tempDir } from './helpers/env.js';
import { bwrapSkipReason } from './helpers/bwrap.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';

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

/** Owner and mode of every entry under `root`, by relative path: what a run must leave exactly as it was. */
function ownership(root: string): Record<string, string> {
  const seen: Record<string, string> = {};
  const visit = (relative: string) => {
    const info = lstatSync(relative ? join(root, relative) : root);
    seen[relative || '.'] = `${info.uid}:${info.gid}:${(info.mode & 0o7777).toString(8)}`;
    if (!info.isDirectory()) return;
    for (const name of readdirSync(join(root, relative)).sort()) visit(relative ? `${relative}/${name}` : name);
  };
  visit('');
  return seen;
}

const asRoot = process.getuid?.() === 0;

/**
 * Issue 19 item 3: `POST /sandbox/run` with a root-owned host folder as its
 * workspace handed that folder, recursively and for good, to uid 65534.
 * Only a root daemon ever hands anything over, so only a root test can show it.
 */
describe.skipIf(skip || !asRoot)('a sandbox run never changes the owner or mode of a folder it did not create', () => {
  let daemon: TestDaemon;
  const dir = tempDir('foreign-ws');
  const workspace = join(dir.path, 'rootowned');
  const canary = join(dir.path, 'canary');

  beforeAll(async () => {
    mkdirSync(workspace);
    chmodSync(workspace, 0o750);
    writeFileSync(join(workspace, 'secret.txt'), 'root only\n');
    chmodSync(join(workspace, 'secret.txt'), 0o600);
    mkdirSync(join(workspace, 'sub'));
    chmodSync(join(workspace, 'sub'), 0o700);
    writeFileSync(join(workspace, 'sub', 'inner.txt'), 'old\n');
    chmodSync(join(workspace, 'sub', 'inner.txt'), 0o640);
    mkdirSync(canary);
    writeFileSync(join(canary, 'keep.txt'), 'canary\n');
    // The folder's own link out: a run that makes a real folder of that name in its copy must not write through it.
    symlinkSync(canary, join(workspace, 'userlink'));
    daemon = await startTestDaemon({ gpu: 'cpu', localWorkers: false, memory: { enabled: false }, sandbox: { backend: 'bubblewrap' } });
  });
  afterAll(async () => {
    await daemon?.cleanup();
    dir.cleanup();
  });

  // Everything a hostile run would try: new files, chmod and chown of what it found, links to a host folder.
  const script = [
    'echo new > new.txt',
    'chmod 777 secret.txt sub .',
    'chown 65534:65534 sub/inner.txt secret.txt',
    'echo changed > sub/inner.txt',
    'mkdir -p made/deep && echo deep > made/deep/f.txt',
    `ln -s ${canary} planted`,
    `ln -s ${canary}/keep.txt planted.txt`,
    // A hook in a repository the run made, and a setuid file: neither may reach the host as such.
    'mkdir -p nested/.git/hooks && echo evil > nested/.git/hooks/post-commit',
    'cp /bin/true suid && chmod 4755 suid',
    'rm userlink && mkdir userlink && echo evil > userlink/evil.txt',
    'cat secret.txt',
  ].join('; ');
  const run = async (extra: Record<string, unknown>) => {
    const res = await daemon.api('/sandbox/run', { method: 'POST', json: { argv: ['sh', '-c', script], workspace, limits: {}, network: 'none', unsafeNoSandbox: false, ...extra } });
    const body: unknown = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    return SandboxRunAnswer.parse(body);
  };

  it('runs in a copy: the folder keeps its owner and modes, and gets nothing without writeBack', async () => {
    const before = ownership(workspace);
    const answer = await run({});
    expect(ownership(workspace)).toEqual(before);
    expect(existsSync(join(workspace, 'new.txt'))).toBe(false);
    expect(answer).toMatchObject({ exitCode: 0, stdout: 'root only\n', workspace: { ranIn: 'copy', source: workspace, writeBack: false, written: [] } });
    expect(readFileSync(join(workspace, 'sub', 'inner.txt'), 'utf8')).toBe('old\n');
    expect(readdirSync(canary)).toEqual(['keep.txt']);
  });

  it('writes back changed files only when asked, keeping owners and modes, and never a link the run planted', async () => {
    const before = ownership(workspace);
    const answer = await run({ writeBack: true });
    expect(answer.exitCode).toBe(0);
    expect(answer.workspace.written.sort()).toEqual(['made/deep/f.txt', 'new.txt', 'sub/inner.txt', 'suid']);
    expect(answer.workspace.skipped.map((s) => s.path).sort()).toEqual(['nested/.git', 'planted', 'planted.txt', 'userlink/evil.txt']);
    expect(answer.workspace.skipped.find((s) => s.path === 'userlink/evil.txt')?.why).toMatch(/symlink/);
    expect(existsSync(join(workspace, 'nested'))).toBe(false);
    expect(lstatSync(join(workspace, 'suid')).mode & 0o7777).toBe(0o755);
    expect(readFileSync(join(workspace, 'new.txt'), 'utf8')).toBe('new\n');
    expect(readFileSync(join(workspace, 'sub', 'inner.txt'), 'utf8')).toBe('changed\n');
    expect(readFileSync(join(workspace, 'made', 'deep', 'f.txt'), 'utf8')).toBe('deep\n');
    // What was there keeps its owner and mode, whatever the run did to its copy.
    const after = ownership(workspace);
    for (const [path, was] of Object.entries(before)) expect(after[path], path).toBe(was);
    expect(after['new.txt']).toMatch(/^0:0:/);
    expect(existsSync(join(workspace, 'planted'))).toBe(false);
    expect(existsSync(join(workspace, 'planted.txt'))).toBe(false);
    expect(readdirSync(canary)).toEqual(['keep.txt']);
    expect(readFileSync(join(canary, 'keep.txt'), 'utf8')).toBe('canary\n');
  });

  it('writes nothing back from a run that was killed', async () => {
    const res = await daemon.api('/sandbox/run', {
      method: 'POST',
      json: { argv: ['sh', '-c', 'echo late > late.txt; sleep 30'], workspace, timeoutMs: 1000, writeBack: true, limits: {}, network: 'none', unsafeNoSandbox: false },
    });
    const answer = SandboxRunAnswer.parse(await res.json());
    expect(answer).toMatchObject({ timedOut: true, workspace: { writeBack: false, written: [] } });
    expect(answer.workspace.skipped[0]?.why).toMatch(/killed/);
    expect(existsSync(join(workspace, 'late.txt'))).toBe(false);
  });

  it("runs a user's folder as that user, and what is written back is theirs", async () => {
    const theirs = join(dir.path, 'theirs');
    mkdirSync(theirs);
    writeFileSync(join(theirs, 'a.txt'), 'a\n');
    for (const path of [theirs, join(theirs, 'a.txt')]) chownSync(path, 1000, 1000);
    const before = ownership(theirs);
    const res = await daemon.api('/sandbox/run', {
      method: 'POST',
      json: { argv: ['sh', '-c', 'id -u; echo b > b.txt; echo A > a.txt'], workspace: theirs, writeBack: true, limits: {}, network: 'none', unsafeNoSandbox: false },
    });
    const answer = SandboxRunAnswer.parse(await res.json());
    expect(answer).toMatchObject({ exitCode: 0, stdout: '1000\n' });
    expect(ownership(theirs)).toEqual({ ...before, 'b.txt': '1000:1000:644' });
    expect(readFileSync(join(theirs, 'a.txt'), 'utf8')).toBe('A\n');
  });

  it("refuses the daemon's home, and any folder inside it, saying why and what to do", async () => {
    for (const target of [daemon.home, join(daemon.home, 'jobs')]) {
      mkdirSync(target, { recursive: true });
      const before = ownership(daemon.home);
      const res = await daemon.api('/sandbox/run', { method: 'POST', json: { argv: ['true'], workspace: target, limits: {}, network: 'none', unsafeNoSandbox: false } });
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('sandbox_bad_request');
      expect(body.error.message).toMatch(/autodevd's home/);
      expect(body.error.message).toMatch(/outside/);
      expect(ownership(daemon.home)).toEqual(before);
    }
  });
});

describe.skipIf(!asRoot)('resolveRun hands over only folders under the roots the daemon owns', () => {
  const dir = tempDir('owned-roots');
  const owned = join(dir.path, 'home');
  const foreign = join(dir.path, 'foreign');
  const defaults = { limits: DEFAULT_LIMITS, timeoutMs: 1000, ownedRoots: [owned] };
  afterAll(() => dir.cleanup());

  it('refuses a root-owned folder outside them and leaves it as it was', async () => {
    mkdirSync(join(foreign, 'sub'), { recursive: true });
    writeFileSync(join(foreign, 'sub', 'file'), 'x');
    const before = ownership(foreign);
    await expect(resolveRun(['true'], { workspace: foreign }, defaults)).rejects.toMatchObject({
      code: 'sandbox_bad_request',
      message: expect.stringMatching(/outside the folders autodevd made.*copy it/s),
    });
    expect(ownership(foreign)).toEqual(before);
  });

  it('refuses one reached through a symlink placed under them', async () => {
    mkdirSync(owned, { recursive: true });
    symlinkSync(foreign, join(owned, 'link'));
    const before = ownership(foreign);
    await expect(resolveRun(['true'], { workspace: join(owned, 'link') }, defaults)).rejects.toMatchObject({ code: 'sandbox_bad_request' });
    expect(ownership(foreign)).toEqual(before);
  });

  it('hands over a root-owned folder under them', async () => {
    const scratch = join(owned, 'scratch');
    mkdirSync(join(scratch, 'sub'), { recursive: true });
    const run = await resolveRun(['true'], { workspace: scratch }, defaults);
    expect(run.uid).toBe(SANDBOX_UID);
    expect(lstatSync(join(scratch, 'sub')).uid).toBe(SANDBOX_UID);
  });
});
