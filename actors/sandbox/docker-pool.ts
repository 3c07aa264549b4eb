import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import type { Logger } from '../log/logger.js';
import { bindMount, makeSharedMount, mountsUnder, unmount } from './bind-mount.js';
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

  async attach(slot: WarmSlot, workspace: string): Promise<void> {
    slot.runs += 1;
    if (slot.runs > 1) this.#reused += 1;
    await bindMount(workspace, slot.dir);
  }

  /**
   * Takes a slot back after its run. `runUser` is the user the run was, when
   * the run ended cleanly and the container may serve again; null retires it.
   * The workspace is unmounted now; the reset runs in the background.
   */
  async release(slot: WarmSlot, runUser: string | null): Promise<void> {
    const unmounted = await unmount(slot.dir).then(
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

  /** Unmounts the workspace now (the caller may delete it next); removes the container in the background. */
  async retire(slot: WarmSlot, unmounted = false): Promise<void> {
    if (!unmounted) await unmount(slot.dir).catch(() => undefined);
    const done = slot.container
      .remove({ force: true })
      .catch((error: unknown) => this.options.log?.warn('could not remove a sandbox container', { id: slot.id, error: String(error) }))
      // rmdir, never rm -r: the run's workspace was bound here, and if the unmount failed a recursive removal would empty it.
      .then(() => rmdir(slot.dir))
      .catch((error: unknown) => this.options.log?.warn('could not remove a warm slot folder', { dir: slot.dir, error: String(error) }))
      .finally(() => {
        this.retiring.delete(done);
        this.refill();
      });
    this.retiring.add(done);
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
    await Promise.all([...this.retiring]);
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
          if (this.closed) void this.retire(slot);
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
    const container = await docker.createContainer(
      containerSpec({ image, owner, kind: 'pool', cmd: this.init ? [this.init, '--', 'sleep', 'infinity'] : ['sleep', 'infinity'], limits, workspaceSource: dir, propagate: true }),
    );
    try {
      await container.start();
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
    return { container, id: container.id, dir, runs: 0 };
  }
}
