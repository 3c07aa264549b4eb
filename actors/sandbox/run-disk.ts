import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../log/logger.js';
import { bindMount } from './bind-mount.js';
import { unmountAll, type DiskVolume } from './disk-volume.js';
import { SandboxError } from './errors.js';
import { applyUpper } from './overlay-apply.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

/** What a backend shows the run instead of the real workspace and a tmpfs. */
export interface RunDiskView {
  /** The overlay: mount it (read-write) at /workspace. */
  workspace: string;
  /** A mode-1777 folder on the volume: mount it at /tmp. */
  tmp: string;
}

/** Below this much free space (or inodes) a volume counts as full: ENOSPC was, or was about to be, what the run met. */
const fullBelow = (sizeBytes: number) => Math.max(4 * MiB, sizeBytes / 256);
const FULL_BELOW_INODES = 16;

/**
 * One run's disk: on its volume (mounted at `<dir>/vol`), the run's /tmp and
 * the upper layer of an overlay whose lower layer is the real workspace,
 * mounted at `<dir>/ws`. The sandbox is shown `ws` as /workspace: whatever
 * it writes, there or in /tmp, lands on the volume, where the kernel stops
 * it at the cap (see run-disks.ts for why this shape).
 *
 * The overlay is mounted with redirect_dir, metacopy and index off (also
 * the kernel's defaults here): a renamed lower folder is then an EXDEV that
 * programs fall back from by copying, and the upper layer, read against
 * the merged view, says exactly what changed (overlay-apply.ts).
 */
export class RunDisk {
  private readonly mounts: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly volume: DiskVolume,
    private readonly workspace: string,
    private readonly limitMb: number,
    private readonly log?: Logger,
  ) {}

  get view(): RunDiskView {
    return { workspace: join(this.dir, 'ws'), tmp: join(this.volume.mountPoint, 'tmp') };
  }

  /** Lays out the volume and mounts the overlay over the workspace. */
  async attach(): Promise<void> {
    const upper = join(this.volume.mountPoint, 'upper');
    const work = join(this.volume.mountPoint, 'work');
    const lower = join(this.dir, 'lower');
    const merged = this.view.workspace;
    // The merged folder takes its owner and mode from the upper one: the workspace's own, so its user can still write there.
    const top = await stat(this.workspace);
    await mkdir(upper);
    await chown(upper, top.uid, top.gid);
    await chmod(upper, top.mode & 0o7777);
    await mkdir(work, { mode: 0o700 });
    await mkdir(this.view.tmp);
    await chmod(this.view.tmp, 0o1777);
    // Bound first: overlay options cannot carry a path with ',' or ':' safely, and this one is ours.
    await mkdir(lower, { mode: 0o700 });
    await bindMount(this.workspace, lower);
    this.mounts.push(lower);
    await mkdir(merged, { mode: 0o700 });
    const layers = `lowerdir=${lower},upperdir=${upper},workdir=${work},redirect_dir=off,metacopy=off,index=off,xino=off`;
    await run('mount', ['-t', 'overlay', 'overlay', '-o', `${layers},nosuid,nodev`, merged]);
    this.mounts.push(merged);
  }

  /**
   * After the run, once every process of it is dead: fails the run if it
   * filled its volume (nothing of it is kept), else applies what it wrote
   * onto the real workspace.
   */
  async settle(): Promise<void> {
    const free = await this.volume.free();
    if (free.bytes < fullBelow(this.volume.sizeBytes) || free.inodes < FULL_BELOW_INODES) {
      const what = free.inodes < FULL_BELOW_INODES ? 'files' : 'space';
      throw new SandboxError(
        'sandbox_disk_limit',
        `the run ran out of disk ${what}: it may write at most ${this.limitMb} MiB (sandbox.diskLimitMb), shared by its changes to the workspace and /tmp; ` +
          'its changes were discarded. Write less (build output, downloads, /tmp), or raise sandbox.diskLimitMb in the daemon config',
      );
    }
    await applyUpper({ upper: join(this.volume.mountPoint, 'upper'), merged: this.view.workspace, target: this.workspace }).catch((error: unknown) => {
      throw new SandboxError('sandbox_failed', `could not apply the run's writes to its workspace ${this.workspace}: ${(error as Error).message}`, { cause: error });
    });
  }

  /**
   * Unmounts the overlay, the workspace's bind and the volume, whose image
   * goes with it. A mount something still holds stays, and so does what is
   * under it: it is logged, and reclaimed when the daemon next starts.
   */
  async release(): Promise<void> {
    const points = [...this.mounts.splice(0).reverse(), this.volume.mountPoint];
    const held = await unmountAll(points);
    if (held.length > 0) {
      this.log?.error('a run disk stays mounted: something still holds it', { points: held });
      return;
    }
    await this.volume.release();
    for (const name of ['ws', 'lower']) await rmdir(join(this.dir, name)).catch(() => undefined);
    await rmdir(this.dir).catch(() => undefined);
  }
}
