import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindMount, mountsUnder, unmount } from '../actors/sandbox/bind-mount.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { RunCgroup } from '../actors/sandbox/cgroup-v1.js';
import { fenceContainer } from '../actors/sandbox/container-fence.js';
import { ensureBaseImage } from '../actors/sandbox/docker-image.js';
import { WarmPool } from '../actors/sandbox/docker-pool.js';
import { DockerSandbox } from '../actors/sandbox/docker-sandbox.js';
import { freezerDirOf, readProcs } from '../actors/sandbox/freezer-v1.js';
import type { Sandbox } from '../actors/sandbox/sandbox.js';
import { bwrapSkipReason } from './helpers/bwrap.js';
import { dockerSkipReason, useSharedDocker, type TestDocker } from './helpers/docker.js';
import { tempDir } from './helpers/env.js';

/**
 * Issue 19 item 2: a run ends only when every process it started is dead.
 * The attack: a detached survivor (setsid, stdio closed) that keeps writing
 * the workspace through its cwd, after the command SIGKILLed the shell that
 * would end its strays, and itself. When run() returns, no process of the
 * run may be alive and nothing may write the workspace any more.
 */
const MiB = 1024 * 1024;
const NOBODY = 65534;
const IMAGE = 'autodev-sandbox-test:1';
const isRoot = process.getuid?.() === 0;
const dockerSkip = dockerSkipReason();
const bwrapSkip = bwrapSkipReason();

/** A tag no other process on the machine has in its command line. */
const newMarker = () => `survivor-${randomBytes(5).toString('hex')}`;

/**
 * Starts the survivor, lets it write, then kills the parent (the warm
 * pool's `kill -9 -1` wrapper under Docker) and itself. The survivor writes
 * through its cwd, the workspace, not through a path a later mount could hide.
 */
const attack = (marker: string) => [
  'sh',
  '-c',
  `setsid sh -c ': ${marker}; while :; do date > late-$$; sleep 0.01; done' </dev/null >/dev/null 2>&1 &
   sleep 0.3; kill -9 $PPID; kill -9 $$; echo not reached`,
];

/** Host pids whose command line carries the marker, found by scanning /proc. */
function aliveWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

/** Mount points whose root is `dir`: where the host still has the workspace bound (a warm slot, a bwrap stage). */
function boundAt(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields[3] === dir)
    .map((fields) => fields[4] ?? '');
}

/** Names and modification times, to the nanosecond: a survivor rewriting a file changes it. */
function snapshot(dir: string): Record<string, bigint> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, statSync(join(dir, name), { bigint: true }).mtimeNs]));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the attack and checks, from the host, that nothing of it outlived run(). */
async function expectNoSurvivor(sandbox: Sandbox, workspace: string, commandIsInit = false): Promise<void> {
  const marker = newMarker();
  const result = await sandbox.run(attack(marker), { workspace, timeoutMs: 20_000 });
  const alive = aliveWith(marker);
  const before = snapshot(workspace);
  expect(alive, `survivors of the run: ${alive.join(' ')}`).toEqual([]);
  // A container's PID 1 cannot be SIGKILLed from inside its namespace: a cold run's command outlives its own kill.
  if (!commandIsInit) expect(result.stdout).not.toContain('not reached');
  // The attack did run: the survivor wrote the workspace before the command killed itself.
  expect(Object.keys(before).some((name) => name.startsWith('late-')), JSON.stringify(result)).toBe(true);
  // The host has the workspace bound nowhere any more (warm slot, bwrap stage): the unmount went through.
  expect(boundAt(workspace)).toEqual([]);
  await sleep(300);
  expect(snapshot(workspace)).toEqual(before);
}

describe.skipIf(!isRoot || dockerSkip)(`survivors of a Docker run${dockerSkip ? ` (skipped: ${dockerSkip})` : ''}`, () => {
  let engine: TestDocker;
  let pool: WarmPool;
  let warm: DockerSandbox;
  let cold: DockerSandbox;
  const dirs: Array<{ path: string; cleanup: () => void }> = [];
  const workspace = () => {
    const dir = tempDir('surv');
    dirs.push(dir);
    // Owned by nobody, so the run is nobody without the sandbox handing anything over.
    chownSync(dir.path, NOBODY, NOBODY);
    return dir.path;
  };

  beforeAll(async () => {
    engine = useSharedDocker();
    await ensureBaseImage(engine.docker, IMAGE);
    const limits = { cpus: 1, memoryBytes: 256 * MiB, pids: 128, tmpfsBytes: 64 * MiB };
    pool = new WarmPool({ docker: engine.docker, image: IMAGE, owner: 'test-survivors', dir: join(engine.dir, 'pool'), size: 1, limits });
    await pool.start();
    warm = new DockerSandbox({ docker: engine.docker, image: IMAGE, owner: 'test-survivors', pool, limits });
    cold = new DockerSandbox({ docker: engine.docker, image: IMAGE, owner: 'test-survivors-cold', limits });
  }, 120_000);

  afterAll(async () => {
    await warm?.close();
    await cold?.close();
    await engine?.stop();
    for (const dir of dirs) dir.cleanup();
  });

  it('warm: the survivor is dead when run() returns, and the reused container runs nothing of it', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      await pool.ready();
      await expectNoSurvivor(warm, workspace());
      // Between runs, seen from the host: the container's group holds its init and idle sleep only, both root.
      await pool.ready();
      const [idle] = await engine.docker.listContainers({ filters: { label: ['org.autodev.sandbox=pool', 'org.autodev.sandbox.owner=test-survivors'] } });
      const state = (await engine.docker.getContainer(idle?.Id ?? '').inspect()).State;
      const group = await freezerDirOf(state.Pid);
      const pids = group ? ((await readProcs(group)) ?? []) : [];
      expect(pids.length).toBe(2);
      for (const pid of pids) expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Uid:\s+0\s+0\s+0\s+0$/m);
    }
    // The next run in the same container sees no process of any earlier run.
    await pool.ready();
    const reusedBefore = pool.reused;
    const probe = `for d in /proc/[0-9]*; do u=$(awk '/^Uid:/{print $2}' $d/status 2>/dev/null); [ -n "$u" ] && [ "$u" != 0 ] && echo "$(cat $d/cmdline | tr '\\0' ' ')"; done; true`;
    const seen = await warm.run(['sh', '-c', probe], { workspace: workspace() });
    expect(pool.reused).toBe(reusedBefore + 1);
    expect(seen.stdout).not.toContain('survivor-');
  }, 120_000);

  it('cold: the container is seen stopped, its pid namespace gone, before run() returns', async () => {
    await expectNoSurvivor(cold, workspace(), true);
  }, 60_000);

  it('the fence verifies even while execs start in the container (a task in execve blocks a freeze)', async () => {
    await pool.ready();
    const slot = pool.take();
    expect(slot).toBeDefined();
    if (!slot) return;
    try {
      for (let i = 0; i < 60; i++) {
        const exec = await slot.container.exec({ Cmd: ['sh', '-c', 'setsid sh -c "while :; do sleep 0.01; done" </dev/null >/dev/null 2>&1 & sleep 0.05'], User: `${NOBODY}:${NOBODY}` });
        // Not awaited, and fenced at staggered moments: some fences meet runc's init mid-execve.
        const starting = exec.start({ Detach: true }).catch(() => undefined);
        await sleep(i % 15);
        const fence = await fenceContainer(engine.docker, slot.id, slot.initPid === undefined ? {} : { initPid: slot.initPid });
        await starting;
        expect(fence, JSON.stringify(fence)).toMatchObject({ verified: true, stopped: false });
      }
    } finally {
      await pool.release(slot, null);
    }
  }, 60_000);

  it('a warm slot something still holds is never unmounted lazily: it stays mounted and the container is retired', async () => {
    await pool.ready();
    const slot = pool.take();
    expect(slot).toBeDefined();
    if (!slot) return;
    const ws = workspace();
    writeFileSync(join(ws, 'keep.txt'), 'kept');
    await pool.attach(slot, ws);
    // A host process with its cwd in the slot: the kernel refuses an ordinary unmount while it lives.
    const holder = spawn('sleep', ['30'], { cwd: slot.dir, stdio: 'ignore' });
    await sleep(100);
    const reusedBefore = pool.reused;
    try {
      await pool.release(slot, `${NOBODY}:${NOBODY}`);
      expect(await mountsUnder(slot.dir)).toContain(slot.dir);
      // Still the workspace, whole: nothing was removed under the mount point.
      expect(readFileSync(join(slot.dir, 'keep.txt'), 'utf8')).toBe('kept');
      // Not reset and reused: killed and removed.
      const state = await slot.container.inspect().then((info) => info.State, () => null);
      expect(state?.Running ?? false).toBe(false);
      await pool.ready();
      expect((await warm.run(['true'], { workspace: workspace() })).exitCode).toBe(0);
      expect(pool.reused).toBe(reusedBefore);
    } finally {
      await stop(holder);
      await unmount(slot.dir).catch(() => undefined);
      if (existsSync(slot.dir)) rmdirSync(slot.dir);
    }
    expect(readFileSync(join(ws, 'keep.txt'), 'utf8')).toBe('kept');
  }, 60_000);
});

describe.skipIf(bwrapSkip)(`survivors of a bubblewrap run${bwrapSkip ? ` (skipped: ${bwrapSkip})` : ''}`, () => {
  let sandbox: BubblewrapSandbox;
  const dirs: Array<{ path: string; cleanup: () => void }> = [];
  const workspace = () => {
    const dir = tempDir('surv');
    dirs.push(dir);
    if (isRoot) chownSync(dir.path, NOBODY, NOBODY);
    return dir.path;
  };

  beforeAll(() => {
    sandbox = new BubblewrapSandbox({ limits: { cpus: 1, memoryBytes: 256 * MiB, pids: 128, tmpfsBytes: 32 * MiB } });
  });
  afterAll(async () => {
    await sandbox.close();
    for (const dir of dirs) dir.cleanup();
  });

  it('the survivor is dead when run() returns', async () => {
    await expectNoSurvivor(sandbox, workspace());
  }, 60_000);

  it('a run killed at its deadline leaves no survivor either', async () => {
    const marker = newMarker();
    const ws = workspace();
    const script = `setsid sh -c ': ${marker}; while :; do date > late-$$; sleep 0.01; done' </dev/null >/dev/null 2>&1 & sleep 60`;
    const result = await sandbox.run(['sh', '-c', script], { workspace: ws, timeoutMs: 800 });
    expect(result.timedOut).toBe(true);
    expect(aliveWith(marker)).toEqual([]);
    const before = snapshot(ws);
    expect(Object.keys(before).some((name) => name.startsWith('late-'))).toBe(true);
    await sleep(300);
    expect(snapshot(ws)).toEqual(before);
  }, 60_000);
});

describe.skipIf(!isRoot)('the host-side fences', () => {
  it('RunCgroup.killAndVerify empties a group that keeps forking, and says so', async () => {
    const group = await RunCgroup.create({ cpus: 1, memoryBytes: 128 * MiB, pids: 64, tmpfsBytes: MiB });
    expect(group.controllers).toContain('freezer');
    const marker = newMarker();
    const joinGroup = 'for f in $PROCS; do echo $$ > "$f"; done; exec "$@"';
    const child = spawn('sh', ['-c', joinGroup, 'sh', 'sh', '-c', `: ${marker}; while :; do setsid sleep 30 & sleep 0.005; done`], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PROCS: group.procsFiles.join(' ') },
      stdio: 'ignore',
    });
    try {
      await sleep(300);
      const inGroup = group.procsFiles.flatMap(procsOf);
      expect(inGroup.length).toBeGreaterThan(5);
      expect(await group.killAndVerify()).toBe(true);
      for (const file of group.procsFiles) expect(procsOf(file)).toEqual([]);
      expect(aliveWith(marker)).toEqual([]);
    } finally {
      await stop(child);
      await group.remove();
    }
  }, 30_000);

  it('unmount is never lazy: it fails while a process holds the mount, and succeeds once it is gone', async () => {
    const source = tempDir('src');
    const target = tempDir('mnt');
    writeFileSync(join(source.path, 'f'), 'x');
    mkdirSync(join(target.path, 'point'));
    const point = join(target.path, 'point');
    await bindMount(source.path, point);
    const holder = spawn('sleep', ['30'], { cwd: point, stdio: 'ignore' });
    try {
      await sleep(100);
      await expect(unmount(point)).rejects.toThrow(/busy/i);
      expect(await mountsUnder(point)).toEqual([point]);
      await stop(holder);
      await unmount(point);
      expect(await mountsUnder(point)).toEqual([]);
    } finally {
      await stop(holder);
      await unmount(point).catch(() => undefined);
      // Never a recursive removal through a mount that would not come off.
      if ((await mountsUnder(point)).length === 0) target.cleanup();
      source.cleanup();
    }
  }, 30_000);
});

function procsOf(path: string): number[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map(Number);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
