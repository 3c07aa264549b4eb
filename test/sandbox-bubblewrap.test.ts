import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createHttpServer } from 'node:http';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { RegistryProxy } from '../actors/sandbox/registry-proxy.js';
import { RunCgroup } from '../actors/sandbox/cgroup-v1.js';
import { tempDir } from './helpers/env.js';
import { expectHostLoopbackUnreachable } from './helpers/sandbox-checks.js';
import { bwrapSkipReason } from './helpers/bwrap.js';

const skip = bwrapSkipReason();
const MiB = 1024 * 1024;

/** Memory limits in bubblewrap need a cgroup-v1 memory group this process may create. */
const noMemoryCgroup = await (async () => {
  if (process.getuid?.() !== 0) return 'cgroup limits need root';
  const probe = await RunCgroup.create({ cpus: 1, memoryBytes: 64 * MiB, pids: 64, tmpfsBytes: MiB });
  const ok = probe.controllers.includes('memory');
  await probe.remove();
  return ok ? undefined : 'no writable cgroup-v1 memory controller here';
})();

describe.skipIf(skip)(`bubblewrap sandbox${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sandbox: BubblewrapSandbox;
  const dirs: Array<{ path: string; cleanup: () => void }> = [];
  const workspace = () => {
    const dir = tempDir('ws');
    dirs.push(dir);
    return dir.path;
  };

  beforeAll(() => {
    sandbox = new BubblewrapSandbox({ limits: { cpus: 1, memoryBytes: 256 * MiB, pids: 128, tmpfsBytes: 32 * MiB } });
  });
  afterAll(async () => {
    await sandbox.close();
    for (const dir of dirs) dir.cleanup();
  });

  it('runs node in the workspace as a non-root user, and the host sees what it wrote', async () => {
    const ws = workspace();
    writeFileSync(join(ws, 'in.txt'), 'from host');
    const times: number[] = [];
    let result;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      result = await sandbox.run(
        ['node', '-e', 'const fs=require("fs");fs.writeFileSync("out.txt",fs.readFileSync("in.txt","utf8")+" and back");console.log(process.cwd(),process.getuid());process.exit(5)'],
        { workspace: ws },
      );
      times.push(performance.now() - t);
    }
    console.log(JSON.stringify({ bwrap_ms: Math.round([...times].sort((a, b) => a - b)[1] ?? 0) }));
    expect(result).toMatchObject({ exitCode: 5, timedOut: false, oomKilled: false });
    const [cwd, uid] = (result?.stdout ?? '').trim().split(' ');
    expect(cwd).toBe('/workspace');
    if (process.getuid?.() === 0) expect(uid).toBe('65534');
    expect(readFileSync(join(ws, 'out.txt'), 'utf8')).toBe('from host and back');
  });

  it('kills the whole process tree at the timeout and says so', async () => {
    const started = Date.now();
    // An odd duration marks this test's processes among whatever else runs on the machine.
    const result = await sandbox.run(['sh', '-c', 'echo started; (sleep 60.4321 &) ; sleep 60.4321'], { workspace: workspace(), timeoutMs: 1000 });
    expect(result).toMatchObject({ timedOut: true, oomKilled: false });
    expect(result.stdout).toContain('started');
    // The command sleeps 60 s: ending long before shows the 1 s limit killed it, however loaded the machine.
    expect(Date.now() - started).toBeLessThan(30_000);
    // Nothing survives, not even the detached grandchild: the pid namespace died with bwrap, and the cgroup was emptied.
    const left = execFileSync('sh', ['-c', 'pgrep -f "^sleep 60.4321$" || true'], { encoding: 'utf8' }).trim();
    expect(left).toBe('');
  });

  it.skipIf(noMemoryCgroup)(`reports an allocation past the memory limit as oomKilled (cgroup v1)${noMemoryCgroup ? ` (skipped: ${noMemoryCgroup})` : ''}`, async () => {
    const result = await sandbox.run(['node', '-e', 'const a=[];for(;;)a.push(Buffer.alloc(1<<24,1))'], {
      workspace: workspace(),
      limits: { memoryBytes: 128 * MiB },
      timeoutMs: 30_000,
    });
    expect(result).toMatchObject({ oomKilled: true, timedOut: false });
    expect(result.exitCode).not.toBe(0);
  });

  it('contains a fork bomb', async () => {
    const result = await sandbox.run(['sh', '-c', 'bomb() { bomb | bomb & }; bomb; sleep 2; echo survived'], {
      workspace: workspace(),
      limits: { pids: 32 },
      timeoutMs: 6000,
    });
    expect(result.stderr + result.stdout).toMatch(/fork|Resource temporarily unavailable|survived/i);
    expect((await sandbox.run(['true'], { workspace: workspace() })).exitCode).toBe(0);
  });

  it('has no network: a server on the host loopback cannot be reached', async () => {
    await expectHostLoopbackUnreachable(sandbox, workspace());
  });

  it('limits /tmp, keeps /usr read-only and hides host secrets', async () => {
    const result = await sandbox.run(
      ['sh', '-c', 'dd if=/dev/zero of=/tmp/fill bs=1M count=100 2>&1; touch /usr/x 2>&1; cat /etc/shadow 2>&1; ls /root 2>&1; grep -c . /etc/passwd'],
      { workspace: workspace() },
    );
    expect(result.stdout).toMatch(/No space left on device/);
    expect(result.stdout).toMatch(/\/usr\/x'?: Read-only file system/);
    expect(result.stdout).toMatch(/\/etc\/shadow: No such file/);
    expect(result.stdout).toMatch(/\/root.*No such file/);
    expect(existsSync('/usr/x')).toBe(false);
  });

  it('cannot read the daemon token outside the workspace, and cannot write a file past the size limit', async () => {
    const home = tempDir('home');
    dirs.push(home);
    writeFileSync(join(home.path, 'token'), 'secret-token');
    const capped = new BubblewrapSandbox({ maxFileBytes: 8 * MiB });
    const ws = workspace();
    try {
      const result = await capped.run(['sh', '-c', `cat ${join(home.path, 'token')} 2>&1; dd if=/dev/zero of=big bs=1M count=20 2>&1; echo dd=$?`], { workspace: ws });
      expect(result.stdout).not.toContain('secret-token');
      expect(result.stdout).toMatch(/token: No such file/);
      expect(result.stdout).toMatch(/File too large|dd=1[0-9]{2}/);
      expect(readFileSync(join(ws, 'big')).length).toBeLessThanOrEqual(8 * MiB);
    } finally {
      await capped.close();
    }
  });

  it('refuses a cwd outside the workspace with a clear error', async () => {
    await expect(sandbox.run(['true'], { workspace: workspace(), cwd: '../..' })).rejects.toThrow(/must be a folder inside the workspace/);
  });

  describe('network "registry"', () => {
    let proxy: RegistryProxy;
    let viaProxy: BubblewrapSandbox;
    const servers: Array<ReturnType<typeof createHttpServer>> = [];
    const serve = async (body: string) => {
      const server = createHttpServer((_req, res) => res.end(body));
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as { port: number }).port;
    };

    let registryPort = 0;
    let otherPort = 0;
    beforeAll(async () => {
      registryPort = await serve('registry ok');
      otherPort = await serve('other service');
      const dir = tempDir('registry');
      dirs.push(dir);
      proxy = new RegistryProxy({ dir: dir.path, registries: [`http://127.0.0.1:${registryPort}/`, 'https://registry.npmjs.org/'] });
      await proxy.start();
      viaProxy = new BubblewrapSandbox({ registry: proxy });
    });
    afterAll(async () => {
      await viaProxy.close();
      await proxy.close();
      for (const server of servers) server.close();
    });

    it('reaches the registry through the proxy, and nothing else', async () => {
      const script = `
        const http = require('http');
        const proxy = new URL(process.env.HTTP_PROXY);
        const get = (port) => new Promise((done) => http.get({ host: proxy.hostname, port: proxy.port, path: 'http://127.0.0.1:' + port + '/pkg' }, (res) => {
          let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => done(res.statusCode + ' ' + body.trim()));
        }).on('error', (e) => done('ERR ' + e.code)));
        const tunnel = (target) => new Promise((done) => http.request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: target })
          .on('connect', (res, socket) => { socket.destroy(); done('CONNECT ' + res.statusCode); }).on('error', (e) => done('ERR ' + e.code)).end());
        const direct = (port) => new Promise((done) => require('net').connect(port, '127.0.0.1').on('connect', () => done('CONNECTED')).on('error', (e) => done('ERR ' + e.code)));
        (async () => { for (const line of [await get(${registryPort}), await get(${otherPort}), await tunnel('example.com:443'), await direct(${registryPort})]) console.log(line); })();`;
      const result = await viaProxy.run(['node', '-e', script], { workspace: workspace(), network: 'registry', timeoutMs: 20_000 });
      expect(result.stderr).toBe('');
      expect(result.stdout.trim().split('\n')).toEqual([
        '200 registry ok',
        '403 only the package registry may be reached from the sandbox',
        'CONNECT 403',
        'ERR ECONNREFUSED',
      ]);
      expect(result.exitCode).toBe(0);
      const none = await viaProxy.run(['sh', '-c', 'echo "${HTTP_PROXY:-no proxy}"'], { workspace: workspace() });
      expect(none.stdout.trim()).toBe('no proxy');
    });

    it('lets npm read the real registry when the host can reach it', async (ctx) => {
      const reachable = await fetch('https://registry.npmjs.org/is-number', { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false);
      if (!reachable) ctx.skip();
      const result = await viaProxy.run(['npm', 'view', 'is-number@7.0.0', 'version'], { workspace: workspace(), network: 'registry', timeoutMs: 60_000 });
      expect(result.stdout.trim()).toBe('7.0.0');
      expect(result.exitCode).toBe(0);
    });
  });
});
