import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_RECORD_VERSION, type JobRecord } from '../proto/index.js';
import { buildResultBundle } from '../actors/devops/result-bundle.js';
import { FRESH_CONFIG } from '../actors/devops/result-git-dir.js';
import { initJobRepo } from '../actors/git/repo.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { ensureBaseImage } from '../actors/sandbox/docker-image.js';
import { DockerSandbox } from '../actors/sandbox/docker-sandbox.js';
import type { Sandbox } from '../actors/sandbox/sandbox.js';
import { dockerSkipReason, useSharedDocker, type TestDocker } from './helpers/docker.js';
import { tempDir } from './helpers/env.js';
import { bwrapSkipReason } from './helpers/bwrap.js';

/**
 * Issue 14 item 2: sandboxed code must not get a writable `.git` (a
 * core.fsmonitor line or a hook there runs on the host at its next git
 * command), and the exported result must not carry config or hooks.
 */
const bwrapSkip = bwrapSkipReason();
const dockerSkip = dockerSkipReason();

const ATTACK = [
  'printf "[core]\\n\\tfsmonitor = touch /tmp/pwned\\n" >> .git/config; echo config=$?',
  'mkdir -p .git/hooks; printf "#!/bin/sh\\ntouch /tmp/pwned\\n" > .git/hooks/post-checkout; echo hook=$?',
  'printf x >> sub/.git; echo gitfile=$?',
  'rm -rf .git/objects; echo rm=$?',
  'mv .git gone; echo mv=$?',
  'cat .git/HEAD',
  'echo ok > allowed.txt',
].join('; ');

function gitState(repo: string): string {
  const hooks = existsSync(join(repo, '.git', 'hooks')) ? readdirSync(join(repo, '.git', 'hooks')).sort().join(',') : '';
  return `${readFileSync(join(repo, '.git', 'config'), 'utf8')}|${hooks}|${readFileSync(join(repo, 'sub', '.git'), 'utf8')}|${readdirSync(join(repo, '.git', 'objects')).length}`;
}

async function expectGitUntouched(sandbox: Sandbox): Promise<void> {
  const dir = tempDir('gitmask');
  try {
    const repo = join(dir.path, 'repo');
    await initJobRepo(repo, [{ path: 'README.md', content: '# app\n' }], 'chore: start');
    // A nested repository's gitfile, as a submodule checkout has.
    mkdirSync(join(repo, 'sub'));
    writeFileSync(join(repo, 'sub', '.git'), 'gitdir: ../.git\n');
    // Owned by an ordinary user, as a developer's repository is: the command runs as that owner, and
    // only the read-only mount, not file permissions, keeps .git from it.
    if (process.getuid?.() === 0) execFileSync('chown', ['-R', '65534:65534', repo]);
    const before = gitState(repo);
    const result = await sandbox.run(['sh', '-c', ATTACK], { workspace: repo, timeoutMs: 20_000 });
    expect(result.stdout).not.toMatch(/config=0|hook=0|gitfile=0|rm=0|mv=0/);
    // The repository stays readable inside, and the rest of the workspace writable.
    expect(result.stdout).toContain('ref: refs/heads/main');
    expect(readFileSync(join(repo, 'allowed.txt'), 'utf8')).toBe('ok\n');
    expect(gitState(repo)).toBe(before);
    expect(readFileSync(join(repo, '.git', 'config'), 'utf8')).not.toContain('fsmonitor');
  } finally {
    dir.cleanup();
  }
}

describe.skipIf(bwrapSkip)('bubblewrap shows the workspace .git read-only', () => {
  const sandbox = new BubblewrapSandbox();
  afterAll(() => sandbox.close());
  it('code cannot change .git/config, add a hook, or remove the repository', async () => {
    await expectGitUntouched(sandbox);
  });
});

describe.skipIf(dockerSkip)(`docker shows the workspace .git read-only${dockerSkip ? ` (skipped: ${dockerSkip})` : ''}`, () => {
  let engine: TestDocker;
  let sandbox: DockerSandbox;
  beforeAll(async () => {
    engine = useSharedDocker();
    await ensureBaseImage(engine.docker, 'autodev-sandbox-test:1');
    sandbox = new DockerSandbox({ docker: engine.docker, image: 'autodev-sandbox-test:1', owner: 'test-gitmask' });
  });
  afterAll(async () => {
    await sandbox?.close();
    await engine?.stop();
  });
  it('code cannot change .git/config, add a hook, or remove the repository', async () => {
    await expectGitUntouched(sandbox);
  });
});

describe('the result bundle carries no repository config or hooks', () => {
  it('rebuilds .git from objects and refs, with a fresh config, even when the job repository was poisoned', async () => {
    const dir = tempDir('bundle-git');
    try {
      const repo = join(dir.path, 'repo');
      await initJobRepo(repo, [{ path: 'README.md', content: '# app\n' }], 'chore: start');
      appendFileSync(join(repo, '.git', 'config'), '[core]\n\tfsmonitor = touch /tmp/pwned\n');
      mkdirSync(join(repo, '.git', 'hooks'), { recursive: true });
      writeFileSync(join(repo, '.git', 'hooks', 'post-checkout'), '#!/bin/sh\ntouch /tmp/pwned\n', { mode: 0o755 });
      mkdirSync(join(repo, '.git', 'info'), { recursive: true });
      writeFileSync(join(repo, '.git', 'info', 'attributes'), '* filter=evil\n');
      const now = new Date().toISOString();
      const job: JobRecord = {
        schemaVersion: JOB_RECORD_VERSION, id: 'job-poisoned', prompt: 'x', spec: null, blueprint: null, status: 'completed', repo,
        createdAt: now, updatedAt: now, tasks: [], error: null, acceptance: null,
      };
      const bundle = await buildResultBundle(job, join(dir.path, 'artifacts'), null);
      const gitPaths = bundle.files.filter((f) => f.path.startsWith('.git/')).map((f) => f.path);
      expect(gitPaths.some((p) => p.startsWith('.git/hooks/') || p.startsWith('.git/info/'))).toBe(false);
      const config = bundle.files.find((f) => f.path === '.git/config');
      expect(Buffer.from(config?.base64 ?? '', 'base64').toString('utf8')).toBe(FRESH_CONFIG);
      expect(gitPaths).toContain('.git/HEAD');
      expect(gitPaths.some((p) => p.startsWith('.git/objects/'))).toBe(true);
      expect(bundle.files.some((f) => f.path === 'README.md')).toBe(true);
    } finally {
      dir.cleanup();
    }
  });
});
