import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../actors/log/logger.js';
import { mountsUnder } from '../actors/sandbox/bind-mount.js';
import { ensureBaseImage } from '../actors/sandbox/docker-image.js';
import { OWNER_LABEL, SANDBOX_LABEL } from '../actors/sandbox/docker-spec.js';
import { DaemonConfig } from '../daemon/config.js';
import { startDaemon } from '../daemon/daemon.js';
import { pingSocket, startDockerEngine } from '../actors/engines/docker-engine.js';
import { engineDir, openSandbox } from '../daemon/sandbox-runtime.js';
import { dockerSkipReason, iptablesRules } from './helpers/docker.js';
import { REPO_ROOT, tempDir, waitUntil } from './helpers/env.js';

const skip = dockerSkipReason();

/** A workspace folder in the daemon's home, removed with it. */
const inHome = (home: string) => {
  const path = join(home, 'ws');
  mkdirSync(path);
  return { path, cleanup: () => undefined };
};

describe.skipIf(skip)(`the daemon's sandbox${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('adopts the engine a killed daemon left, removes its containers, keeps a warm pool, and stops everything on stop', async () => {
    const rulesBefore = iptablesRules();
    const home = tempDir('home');
    // Under the home: a root daemon hands a root-owned workspace to the sandbox user only in trees it made.
    const ws = inHome(home.path);
    try {
      // What a daemon killed with SIGKILL leaves: its engine still running, and a container of its own.
      const orphan = await startDockerEngine({ dir: engineDir(home.path) });
      const docker = new Dockerode({ socketPath: orphan.socketPath });
      await ensureBaseImage(docker, 'autodev-sandbox:1');
      const owner = createHash('sha256').update(home.path).digest('hex').slice(0, 16);
      const leftover = await docker.createContainer({
        Image: 'autodev-sandbox:1',
        Cmd: ['/usr/bin/sleep', 'infinity'],
        Labels: { [SANDBOX_LABEL]: 'run', [OWNER_LABEL]: owner },
        HostConfig: { NetworkMode: 'none', Binds: ['/usr:/usr:ro'] },
      });
      await leftover.start();

      const config = DaemonConfig.parse({ memory: { enabled: false }, sandbox: { dockerSocket: '/nonexistent/docker.sock', warmPoolSize: 1 } });
      const daemon = await startDaemon({ home: home.path, config, log: silentLogger });
      try {
        const sandbox = await daemon.sandbox();
        expect(sandbox.backend).toBe('docker');
        expect(await daemon.sandbox()).toBe(sandbox);
        const result = await sandbox.run(['node', '-e', 'require("fs").writeFileSync("ok.txt", "yes")'], { workspace: ws.path });
        expect(result).toMatchObject({ exitCode: 0, timedOut: false, oomKilled: false });
        expect(readFileSync(join(ws.path, 'ok.txt'), 'utf8')).toBe('yes');
        const mine = () => docker.listContainers({ all: true, filters: { label: [`${OWNER_LABEL}=${owner}`] } });
        expect((await mine()).map((c) => c.Id)).not.toContain(leftover.id);
        // The warm pool keeps a started container ready for the next run: refilled after the run, however loaded the machine.
        await waitUntil(async () => (await mine()).some((c) => c.Labels[SANDBOX_LABEL] === 'pool' && c.State === 'running'), 60_000, 'a running warm container');
      } finally {
        await daemon.stop();
      }
      expect(await pingSocket(orphan.socketPath)).toBe(false);
      expect(await mountsUnder(home.path)).toEqual([]);
    } finally {
      ws.cleanup();
      home.cleanup();
    }
    if (rulesBefore !== undefined) expect(iptablesRules()).toBe(rulesBefore);
  });

  it('in auto mode, falls back to bubblewrap when dockerd is installed but cannot start, and says why', async () => {
    const home = tempDir('home');
    const ws = inHome(home.path);
    try {
      const config = DaemonConfig.parse({ sandbox: { dockerSocket: '/nonexistent/docker.sock', dockerdBin: '/bin/false' } }).sandbox;
      const runtime = await openSandbox({ home: home.path, config, unsafeNoSandbox: false });
      try {
        expect(runtime.choice.backend).toBe('bubblewrap');
        expect(runtime.choice.reason).toMatch(/Docker failed to open \(could not start dockerd/);
        expect((await runtime.sandbox.run(['true'], { workspace: ws.path })).exitCode).toBe(0);
      } finally {
        await runtime.close();
      }
    } finally {
      ws.cleanup();
      home.cleanup();
    }
  });

  it('a daemon killed with SIGKILL does not leave its dockerd running', async () => {
    const dir = tempDir('dkr');
    const engineModule = join(REPO_ROOT, 'dist/actors/engines/docker-engine.js');
    const owner = spawn(process.execPath, ['-e', `import(${JSON.stringify(engineModule)}).then((m) => m.startDockerEngine({ dir: ${JSON.stringify(dir.path)} })).then((e) => console.log(e.pid))`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const pid = await new Promise<number>((resolve, reject) => {
        owner.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
        owner.once('exit', () => reject(new Error('the engine owner exited before starting dockerd')));
      });
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain(dir.path);
      owner.kill('SIGKILL');
      // The kernel's parent-death signal stops dockerd cleanly: its process and its mounts go away.
      const gone = () => {
        try {
          // A zombie has an empty command line: it has exited.
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === '';
        } catch {
          return true;
        }
      };
      await waitUntil(gone, 20_000, 'dockerd to exit after its owner was killed');
      expect(await mountsUnder(dir.path)).toEqual([]);
    } finally {
      owner.kill('SIGKILL');
      dir.cleanup();
    }
  });
});
