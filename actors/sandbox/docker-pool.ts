import { randomBytes } from 'node:crypto';
import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import type { Logger } from '../log/logger.js';
import { bindMount, makeSharedMount, mountsUnder, unmount } from './bind-mount.js';
import { containerSpec } from './docker-spec.js';
import type { SandboxLimits } from './sandbox.js';

export interface WarmSlot {
  container: Dockerode.Container;
  id: string;
  /** Host folder the container sees at /workspace; the run's workspace is bound onto it. */
  dir: string;
}

export interface WarmPoolOptions {
  docker: Dockerode;
  image: string;
  owner: string;
  /** Root-owned folder for the slot mount points. */
  dir: string;
  size: number;
  limits: SandboxLimits;
  log?: Logger;
}

/**
 * Started, idle containers (`sleep infinity`) waiting for a run, so a run
 * pays one exec instead of create + start. Each container serves exactly one
 * run and is then removed, so nothing (files in /tmp, stray processes, an
 * OOM count) leaks from one run into the next. The workspace is not known
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

  constructor(private readonly options: WarmPoolOptions) {}

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

  async attach(slot: WarmSlot, workspace: string): Promise<void> {
    await bindMount(workspace, slot.dir);
  }

  /** Unmounts the workspace now (the caller may delete it next); removes the container in the background. */
  async retire(slot: WarmSlot): Promise<void> {
    await unmount(slot.dir).catch(() => undefined);
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
    await Promise.all(this.idle.splice(0).map((slot) => this.retire(slot)));
    await Promise.all([...this.retiring]);
    for (const point of await mountsUnder(this.options.dir)) await unmount(point).catch(() => undefined);
  }

  /** One container at a time: on two cores, parallel creation would compete with the runs themselves. */
  private refill(): void {
    if (this.closed || Date.now() < this.pausedUntil || this.idle.length + this.creating >= this.options.size) return;
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
      containerSpec({ image, owner, kind: 'pool', cmd: ['sleep', 'infinity'], limits, workspaceSource: dir, propagate: true }),
    );
    try {
      await container.start();
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
    return { container, id: container.id, dir };
  }
}
