import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initJobRepo } from '../actors/git/repo.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { ensureBaseImage } from '../actors/sandbox/docker-image.js';
import { DockerSandbox } from '../actors/sandbox/docker-sandbox.js';
import type { Sandbox } from '../actors/sandbox/sandbox.js';
import { dockerSkipReason, useSharedDocker, type TestDocker } from './helpers/docker.js';
import { tempDir, waitUntil } from './helpers/env.js';
import { bwrapSkipReason } from './helpers/bwrap.js';

/**
 * Issue 14 item 10: generated code ran as host uid 0 (Docker without user
 * namespace remapping; bubblewrap started by root maps its user to host 0).
 * Only a root daemon had the problem, so only a root run can show the fix.
 */
const notRoot = process.getuid?.() === 0 ? undefined : 'only a root daemon could run sandboxed code as uid 0';
const bwrapSkip = notRoot ?? bwrapSkipReason();
const dockerSkip = notRoot ?? dockerSkipReason();

/** Real, effective, saved and filesystem uids of a process, as the host's kernel sees them. */
function hostUids(pid: number): number[] {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:')) ?? '';
  return line.split(/\s+/).slice(1).map(Number);
}

async function expectUnprivileged(sandbox: Sandbox, label: string): Promise<void> {
  const dir = tempDir(`uid-${label}`);
  try {
    // The daemon's home is 0700 and root's: the sandbox user still gets its workspace, and nothing above it.
    const workspace = join(dir.path, 'jobs', 'j1', 'validate');
    mkdirSync(workspace, { recursive: true });
    writeFileSync(join(workspace, 'in.txt'), 'from host');
    // An odd duration marks this run's process among whatever else runs on the machine.
    const marker = `1.${label === 'docker' ? 7 : 8}${Date.now() % 100000}`;
    const script = [
      'cat in.txt > copy.txt',
      'touch /usr/pwned 2>/dev/null && echo usr-writable',
      `sleep ${marker}`,
    ].join('; ');
    const running = sandbox.run(['sh', '-c', script], { workspace, timeoutMs: 30_000 });
    let pid = 0;
    await waitUntil(() => {
      const found = execFileSync('sh', ['-c', `pgrep -f "^sleep ${marker}$" || true`], { encoding: 'utf8' }).trim().split('\n')[0];
      pid = Number(found);
      return pid > 0;
    }, 20_000, 'the sandboxed process to start');
    const uids = hostUids(pid);
    expect(uids).toHaveLength(4);
    for (const uid of uids) expect(uid).not.toBe(0);
    const result = await running;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toContain('usr-writable');
    expect(existsSync('/usr/pwned')).toBe(false);
    expect(readFileSync(join(workspace, 'copy.txt'), 'utf8')).toBe('from host');
    expect(statSync(join(workspace, 'copy.txt')).uid).not.toBe(0);

    // A repository is never chowned: the command reads it, and the host's files stay root's.
    const repo = join(dir.path, 'jobs', 'j1', 'repo');
    await initJobRepo(repo, [{ path: 'README.md', content: '# app\n' }], 'chore: start');
    const read = await sandbox.run(['sh', '-c', 'cat README.md; touch new.txt 2>/dev/null && echo wrote'], { workspace: repo, timeoutMs: 20_000 });
    expect(read.stdout).toBe('# app\n');
    expect(statSync(join(repo, 'README.md')).uid).toBe(0);
    expect(statSync(join(repo, '.git', 'config')).uid).toBe(0);
  } finally {
    dir.cleanup();
  }
}

describe.skipIf(bwrapSkip)(`bubblewrap runs generated code as an unprivileged host user${bwrapSkip ? ` (skipped: ${bwrapSkip})` : ''}`, () => {
  const sandbox = new BubblewrapSandbox();
  afterAll(() => sandbox.close());
  it('the sandboxed process holds no uid 0 on the host and writes only its workspace', async () => {
    await expectUnprivileged(sandbox, 'bwrap');
  });
});

describe.skipIf(dockerSkip)(`docker runs generated code as an unprivileged host user${dockerSkip ? ` (skipped: ${dockerSkip})` : ''}`, () => {
  let engine: TestDocker;
  let sandbox: DockerSandbox;
  beforeAll(async () => {
    engine = useSharedDocker();
    await ensureBaseImage(engine.docker, 'autodev-sandbox-test:1');
    sandbox = new DockerSandbox({ docker: engine.docker, image: 'autodev-sandbox-test:1', owner: 'test-uid' });
  });
  afterAll(async () => {
    await sandbox?.close();
    await engine?.stop();
  });
  it('the sandboxed process holds no uid 0 on the host and writes only its workspace', async () => {
    await expectUnprivileged(sandbox, 'docker');
  });
});
