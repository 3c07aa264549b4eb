import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import type { Logger } from '../log/logger.js';
import { bindMount, makeSharedMount, mountsUnder, unmount } from './bind-mount.js';
import { fenceContainer, killContainer } from './container-fence.js';
import { resetContainer } from './container-reset.js';
import { containerSpec } from './docker-spec.js';
import type { SandboxLimits } from './sandbox.js';

export interface WarmSlot {
  container: Dockerode.Container;
  id: string;
  /** Host folder the container sees at /workspace; the run's workspace is bound onto it. */
  dir: string;
  /** Runs this container has served; it is replaced after MAX_RUNS_PER_CONTAINER. */
  runs: number;
  /** Its PID 1 as the host sees it, for the fence; inspected when absent. */
  initPid?: number;
  /** Host folder the container sees at /tmp, when the pool binds each run's /tmp (bindTmp). */
  tmpDir?: string;
}

/** Bounds what a long-lived container could accumulate that the reset does not see. */
export const MAX_RUNS_PER_CONTAINER = 50;

export interface WarmPoolOptions {
  docker: Dockerode;
  image: string;
  owner: string;
  /** Root-owned folder for the slot mount points. */
  dir: string;
  size: number;
  limits: SandboxLimits;
  log?: Logger;
  /** Reset and reuse a container after a clean run (default true); needs a reaper for PID 1 on the host. */
  reuse?: boolean;
  /** /tmp is each run's own folder (its run disk's, run-disk.ts), bound in like the workspace, not a tmpfs. */
  bindTmp?: boolean;
}

const INIT_CANDIDATES = ['/usr/bin/docker-init', '/usr/bin/tini-static', '/usr/bin/tini', '/usr/sbin/docker-init'];

const findInit = (): string | null => INIT_CANDIDATES.find((path) => existsSync(path)) ?? null;

/**
 * Started, idle containers (`sleep infinity` under tini, which reaps
 * what a run orphans) waiting for a run, so a run pays one exec instead of
 * create + start. After a clean run a container is reset (container-reset.ts:
 * no process of the run left, /tmp, /dev/shm and IPC empty, all verified)
 * and serves again; a run that timed out, was aborted, hit the memory limit
 * or changed the limits, and any reset that does not verify, retires the
 * container instead. On two cores the engine's remove + create + start of a
 * container per run (about 0.6 s of CPU) competed with the runs themselves.
 * The workspace is not known
 * when a container starts: its /workspace is an rslave bind of an empty slot
 * folder, and the run's workspace is bind-mounted onto that folder on the
 * host, which propagates inside. That needs root on the host.
 */
export class WarmPool {
  private readonly idle: WarmSlot[] = [];
  private creating = 0;
  private closed = false;
  /** After a failed creation the pool pauses, so a dead engine is not asked in a tight loop. */
  private pausedUntil = 0;
  private refilling: Promise<void> = Promise.resolve();
  private readonly retiring = new Set<Promise<void>>();
  /** Containers being reset after a run: counted as on their way back, so refill does not start extras. */
  private readonly recycling = new Set<Promise<void>>();
  #reused = 0;

  /**
   * The host's tini (docker-init), run from the read-only /usr as PID 1 so it
   * reaps what a run orphans; Docker's own --init cannot mount it over a
   * read-only root. Without it containers are not reused.
   */
  private readonly init: string | null;

  constructor(private readonly options: WarmPoolOptions) {
    this.init = findInit();
  }

  get limits(): SandboxLimits {
    return this.options.limits;
  }

  /** Whether runs bring their own /tmp (bindTmp): such a pool serves only runs with a run disk, and only such runs. */
  get bindsTmp(): boolean {
    return this.options.bindTmp === true;
  }

  async start(): Promise<void> {
    const { dir } = this.options;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Mounts a killed daemon left behind would otherwise stack up.
    for (const point of await mountsUnder(dir)) await unmount(point).catch(() => undefined);
    await makeSharedMount(dir);
    this.refill();
  }

  /**
   * An idle container, or undefined when none is ready yet (the caller then
   * runs cold). The refill waits for retire(): creating a container while the
   * run execs would compete with it for the engine and the CPU.
   */
  take(): WarmSlot | undefined {
    const slot = this.idle.shift();
    if (!slot) this.refill();
    return slot;
  }

  /** Runs served by a container that had served one before (for tests and benchmarks). */
  get reused(): number {
    return this.#reused;
  }

  async attach(slot: WarmSlot, workspace: string, tmp?: string): Promise<void> {
    slot.runs += 1;
    if (slot.runs > 1) this.#reused += 1;
    await bindMount(workspace, slot.dir);
    if (slot.tmpDir && tmp) await bindMount(tmp, slot.tmpDir);
  }

  /**
   * Takes a slot back after its run, whatever way the run ended. `runUser` is
   * the user the run was, when the run ended cleanly and the container may
   * serve again; null retires it. Before the workspace is unmounted (and the
   * caller may clean it up), every process of the run is killed and verified
   * dead from the host (container-fence.ts): the command may have killed the
   * shell that would have ended its strays. A fence that does not verify
   * killed the container, which is retired. The reset runs in the background.
   */
  async release(slot: WarmSlot, runUser: string | null): Promise<void> {
    const fence = await fenceContainer(this.options.docker, slot.id, slot.initPid === undefined ? {} : { initPid: slot.initPid });
    if (!fence.verified) {
      if (!fence.stopped) this.options.log?.error('the processes of a sandbox run could not be verified dead; its workspace stays mounted', { id: slot.id, dir: slot.dir, reason: fence.reason });
      await this.retire(slot, false, fence.stopped);
      return;
    }
    const unmounted = await unmountSlot(slot).then(
      () => true,
      () => false,
    );
    if (!unmounted || runUser === null || this.init === null || this.options.reuse === false || this.closed || slot.runs >= MAX_RUNS_PER_CONTAINER) {
      await this.retire(slot, unmounted);
      return;
    }
    const done = resetContainer(slot.container, runUser)
      .then((problem) => {
        if (problem === null && !this.closed && this.idle.length < this.options.size) {
          this.idle.push(slot);
          return;
        }
        if (problem !== null) this.options.log?.warn('a sandbox container did not reset cleanly; replacing it', { id: slot.id, problem });
        void this.retire(slot, true);
      })
      .finally(() => {
        this.recycling.delete(done);
        this.refill();
      });
    this.recycling.add(done);
  }

  /**
   * Kills the container and waits until it stopped (its pid namespace dies
   * with its PID 1), then unmounts the workspace (the caller may delete it
   * next); removes the container in the background. A workspace that will
   * not unmount stays mounted: only rmdir runs on the slot folder.
   */
  async retire(slot: WarmSlot, unmounted = false, stopped = false): Promise<void> {
    if (!unmounted) {
      const dead = stopped || (await killContainer(this.options.docker, slot.id));
      // Unmounting under a container not seen dead could succeed on the host while its processes keep the workspace.
      if (dead && (await mountsUnder(slot.dir)).includes(slot.dir)) {
        await unmount(slot.dir).catch((error: unknown) =>
          this.options.log?.warn('a warm slot stays mounted: something still holds it', { dir: slot.dir, error: String(error) }),
        );
      }
      if (dead) await unmountSlotTmp(slot).catch((error: unknown) => this.options.log?.warn('a warm slot\'s /tmp stays mounted', { dir: slot.tmpDir, error: String(error) }));
    }
    const done = slot.container
      .remove({ force: true })
      .catch((error: unknown) => this.options.log?.warn('could not remove a sandbox container', { id: slot.id, error: String(error) }))
      // rmdir, never rm -r: the run's workspace was bound here, and if the unmount failed a recursive removal would empty it.
      .then(() => rmdir(slot.dir))
      .then(() => (slot.tmpDir ? rmdir(slot.tmpDir) : undefined))
      .catch((error: unknown) => this.options.log?.warn('could not remove a warm slot folder', { dir: slot.dir, error: String(error) }))
      .finally(() => {
        this.retiring.delete(done);
        this.refill();
      });
    this.retiring.add(done);
  }

  private track(retirement: Promise<void>): void {
    this.retiring.add(retirement);
    void retirement.finally(() => this.retiring.delete(retirement));
  }

  /** Resolves when the pool holds `size` idle containers (for benchmarks and tests). */
  async ready(): Promise<void> {
    while (!this.closed && this.idle.length < this.options.size) {
      await this.refilling;
      if (Date.now() < this.pausedUntil) throw new Error('the warm pool cannot start containers; see the daemon log');
      if (this.idle.length < this.options.size && this.creating === 0) this.refill();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.refilling;
    await Promise.all([...this.recycling]);
    await Promise.all(this.idle.splice(0).map((slot) => this.retire(slot)));
    // A retirement can add another (its removal) while it runs: wait until none is left, or a container
    // still alive would hold the mounts the next line must take down.
    while (this.retiring.size > 0) await Promise.all([...this.retiring]);
    for (const point of await mountsUnder(this.options.dir)) await unmount(point).catch(() => undefined);
  }

  /** One container at a time: on two cores, parallel creation would compete with the runs themselves. */
  private refill(): void {
    if (this.closed || Date.now() < this.pausedUntil || this.idle.length + this.creating + this.recycling.size >= this.options.size) return;
    this.creating += 1;
    this.refilling = this.refilling
      .then(() => this.createOne())
      .then(
        (slot) => {
          // Made while the pool closed: its retirement is waited for by close(), which is waiting for this refill.
          if (this.closed) this.track(this.retire(slot));
          else this.idle.push(slot);
        },
        (error: unknown) => {
          this.pausedUntil = Date.now() + 5000;
          this.options.log?.warn('could not start a warm sandbox container', { error: String(error) });
        },
      )
      .finally(() => {
        this.creating -= 1;
        this.refill();
      });
  }

  private async createOne(): Promise<WarmSlot> {
    const { docker, image, owner, limits } = this.options;
    const dir = join(this.options.dir, randomBytes(6).toString('hex'));
    await mkdir(dir, { mode: 0o700 });
    // Beside the workspace's mount point, not in it: the workspace bound there would hide it.
    const tmpDir = this.options.bindTmp ? `${dir}-tmp` : undefined;
    if (tmpDir) await mkdir(tmpDir, { mode: 0o755 });
    const container = await docker.createContainer(
      containerSpec({ image, owner, kind: 'pool', cmd: this.init ? [this.init, '--', 'sleep', 'infinity'] : ['sleep', 'infinity'], limits, workspaceSource: dir, ...(tmpDir ? { tmpSource: tmpDir } : {}), propagate: true }),
    );
    let initPid: number | undefined;
    try {
      await container.start();
      initPid = (await container.inspect()).State.Pid || undefined;
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
    return { container, id: container.id, dir, runs: 0, ...(initPid === undefined ? {} : { initPid }), ...(tmpDir ? { tmpDir } : {}) };
  }
}

async function unmountSlot(slot: WarmSlot): Promise<void> {
  await unmount(slot.dir);
  await unmountSlotTmp(slot);
}

/** Only when a run's /tmp is bound there: an attach that failed early bound none. */
async function unmountSlotTmp(slot: WarmSlot): Promise<void> {
  if (slot.tmpDir && (await mountsUnder(slot.tmpDir)).includes(slot.tmpDir)) await unmount(slot.tmpDir);
}
