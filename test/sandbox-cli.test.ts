import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineSocket, pingSocket } from '../actors/engines/docker-engine.js';
import { engineDir } from '../daemon/sandbox-runtime.js';
import { stopDaemon } from '../cli/daemon-process.js';
import { runCli } from './helpers/cli.js';
import { dockerSkipReason } from './helpers/docker.js';
import { TINY_MODEL, tempDir, writeConfig } from './helpers/env.js';

const dockerSkip = dockerSkipReason();
const dirs: Array<{ path: string; cleanup: () => void }> = [];
const home = (sandbox: Record<string, unknown>) => {
  const dir = tempDir('sbxcli');
  dirs.push(dir);
  writeConfig(dir.path, { sandbox });
  return dir.path;
};

/** One bubblewrap home, so one daemon, for every test that needs nothing else (issue 21: one daemon per file). */
let bubblewrapHome: string | undefined;
const sharedBubblewrapHome = () => (bubblewrapHome ??= home({ backend: 'bubblewrap' }));

/** A project folder of its own: the daemon's home is never a sandbox workspace. */
const workspace = () => {
  const dir = tempDir('sbxws');
  dirs.push(dir);
  return dir.path;
};

const Result = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;

describe('autodev sandbox run and autodev doctor', () => {
  // `sandbox run` goes through the daemon it starts for each home.
  afterAll(async () => {
    for (const dir of dirs) {
      await stopDaemon(dir.path);
      dir.cleanup();
    }
  });

  it('runs a command in bubblewrap and prints the result object with --json', async () => {
    const h = sharedBubblewrapHome();
    const ws = workspace();
    const { code, stdout } = await runCli(['sandbox', 'run', '--home', h, '--workspace', ws, '--write-back', '--json', '--', 'sh', '-c', 'echo made > made.txt; echo out; exit 3']);
    expect(code).toBe(1);
    expect(Result(stdout)).toMatchObject({ backend: 'bubblewrap', exitCode: 3, stdout: 'out\n', timedOut: false, oomKilled: false, workspace: { ranIn: 'copy', written: ['made.txt'] } });
    expect(readFileSync(join(ws, 'made.txt'), 'utf8')).toBe('made\n');
  });

  it('says the run happened in a copy, and leaves the folder alone without --write-back', async () => {
    const h = sharedBubblewrapHome();
    const ws = workspace();
    const { code, stderr } = await runCli(['sandbox', 'run', '--home', h, '--workspace', ws, '--', 'sh', '-c', 'echo made > made.txt']);
    expect(code).toBe(0);
    expect(stderr).toContain(`ran in a copy of ${ws}; its changes were discarded (--write-back keeps them)`);
    expect(existsSync(join(ws, 'made.txt'))).toBe(false);
    expect((await runCli(['sandbox', '--help'])).stdout).toContain('--write-back');
  });

  it('reports a timeout as timedOut and exits 1', async () => {
    const h = sharedBubblewrapHome();
    const { code, stdout } = await runCli(['sandbox', 'run', '--home', h, '--workspace', workspace(), '--timeout', '500', '--json', '--', 'sleep', '30']);
    expect(code).toBe(1);
    expect(Result(stdout)).toMatchObject({ timedOut: true });
  });

  it('refuses to run unsandboxed unless --unsafe-no-sandbox is given, and then warns', async () => {
    const h = home({ backend: 'none' });
    const ws = workspace();
    const refused = await runCli(['sandbox', 'run', '--home', h, '--workspace', ws, '--', 'true']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--unsafe-no-sandbox');
    const allowed = await runCli(['sandbox', 'run', '--home', h, '--workspace', ws, '--unsafe-no-sandbox', '--json', '--', 'true']);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain('WITHOUT a sandbox');
    expect(Result(allowed.stdout)).toMatchObject({ backend: 'none', exitCode: 0 });
  });

  it('rejects a missing workspace as a usage error', async () => {
    const h = sharedBubblewrapHome();
    const { code, stderr } = await runCli(['sandbox', 'run', '--home', h, '--workspace', join(h, 'nope'), '--', 'true']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/is not a folder/);
  });

  it('doctor shows the backend it would choose and why', async () => {
    const h = home({ backend: 'bubblewrap' });
    // A model is required too: without one doctor exits 1 (test/cli-daemon-rule.test.ts).
    const { code, stdout } = await runCli(['doctor', '--home', h, '--json'], { AUTODEV_MODEL: TINY_MODEL });
    expect(code).toBe(0);
    const report = Result(stdout) as { ok: boolean; sandbox: { backend: string; reason: string }; checks: Array<{ name: string; ok: boolean }> };
    expect(report.sandbox.backend).toBe('bubblewrap');
    expect(report.sandbox.reason).toMatch(/configured as bubblewrap/);
    expect(report.checks.find((c) => c.name === 'nats-server')?.ok).toBe(true);
  });

  it('doctor reports a daemon that cannot start (an invalid config) as a failed check, and exits 1', async () => {
    const h = home({ backend: 'no-such-backend' });
    const { code, stdout } = await runCli(['doctor', '--home', h, '--json']);
    expect(code).toBe(1);
    const report = Result(stdout) as { ok: boolean; sandbox: { backend: string | null }; checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(report.ok).toBe(false);
    expect(report.sandbox.backend).toBeNull();
    expect(report.checks.find((c) => c.name === 'daemon')).toMatchObject({ ok: false, detail: expect.stringContaining('daemon.log') });
  });

  it.skipIf(dockerSkip)(`with docker, starts a daemon-owned engine for the run and stops it afterwards${dockerSkip ? ` (skipped: ${dockerSkip})` : ''}`, async () => {
    // A socket that answers nothing, so the run cannot borrow a system engine.
    const h = home({ backend: 'docker', dockerSocket: '/nonexistent/docker.sock' });
    const doctor = Result((await runCli(['doctor', '--home', h, '--json'])).stdout) as { sandbox: { backend: string; reason: string } };
    expect(doctor.sandbox).toMatchObject({ backend: 'docker' });
    expect(doctor.sandbox.reason).toMatch(/daemon-owned/);
    const ws = workspace();
    const { code, stdout, stderr } = await runCli(['sandbox', 'run', '--home', h, '--workspace', ws, '--write-back', '--json', '--', 'node', '-e', 'require("fs").writeFileSync("d.txt", process.version)']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(Result(stdout)).toMatchObject({ backend: 'docker', exitCode: 0 });
    expect(readFileSync(join(ws, 'd.txt'), 'utf8')).toBe(process.version);
    expect(await pingSocket(engineSocket(engineDir(h)))).toBe(false);
    expect(existsSync(join(engineDir(h), 'dockerd.pid'))).toBe(false);
  });
});
