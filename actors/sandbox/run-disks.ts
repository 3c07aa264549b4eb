import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTree } from '../fs/tree-remove.js';
import type { Logger } from '../log/logger.js';
import { isRoot, mountsUnder } from './bind-mount.js';
import { createVolume, reclaimVolumes, type DiskVolume } from './disk-volume.js';
import { SandboxError } from './errors.js';
import { RunDisk, type RunDiskView } from './run-disk.js';

export type { RunDiskView } from './run-disk.js';

const MiB = 1024 * 1024;

/**
 * One size cap for everything a run can write (issue 19: four `fallocate
 * -l 1000M` put 4 GB on the host's disk in a second; the per-file
 * RLIMIT_FSIZE was the only bound). Each run gets a loop volume of its own
 * (disk-volume.ts), `sandbox.diskLimitMb` in size, holding its /tmp and the
 * upper layer of an overlay over its workspace (run-disk.ts).
 *
 * Why an overlay, and not workspaces made on volumes by their creators: it
 * stays inside the sandbox layer, where validation exports, acceptance
 * copies, dependency installs and `POST /sandbox/run` all make workspaces
 * of their own; and a volume stays per run, so what one run filled never
 * counts against the next. The cost is one more copy of what the run wrote,
 * applied back onto the real workspace after every process of the run is
 * dead, so callers keep relying on the workspace's writes persisting
 * (node_modules, dist/). A run that filled its volume is failed with
 * sandbox_disk_limit, and its changes go with the volume: the host's disk
 * is as it was. The sandbox never writes the real workspace itself.
 *
 * Measured on two cores under a load of 6 to 12: making and dropping a run
 * disk takes 45 to 125 ms, most of it the mkfs and mount execs; so one
 * volume is made ahead of each run (a spare), and a run waits only for its
 * overlay: 10 to 20 ms to prepare, 15 to 60 ms to release.
 */
export interface RunDisksOptions {
  /**
   * Root-owned folder under which this instance makes a folder of its own:
   * one process can hold several sandbox runtimes (the daemon's, one per
   * `POST /sandbox/run`), and a folder is reclaimed only when its owner is gone.
   */
  parent: string;
  limitMb: number;
  log?: Logger;
}

/** A volume made ahead of its run, in the folder the run will use. */
interface Made {
  dir: string;
  volume: DiskVolume;
}

export class RunDisks {
  private spare: Promise<Made> | undefined;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly options: RunDisksOptions,
  ) {}

  /**
   * Makes this instance's folder and one small run disk end to end (loop
   * device, mkfs, mount, overlay), so a host where any of it fails says so
   * at open, not at the first run; then the first spare. Throws with the
   * reason when run disks cannot be made here.
   */
  static async open(options: RunDisksOptions): Promise<RunDisks> {
    if (!isRoot()) throw new SandboxError('sandbox_unavailable', 'loop-mounted volumes need root, and the daemon does not run as root: without root, sandbox runs keep only the /tmp and per-file limits (sandbox.limits.tmpfsBytes)');
    await mkdir(options.parent, { recursive: true, mode: 0o700 });
    const dir = join(options.parent, `${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(dir, { mode: 0o700 });
    const disks = new RunDisks(dir, options);
    try {
      await disks.probe();
    } catch (error) {
      await removeTree(dir).catch(() => undefined);
      throw error;
    }
    disks.spare = disks.makeVolume();
    disks.spare.catch(() => undefined);
    return disks;
  }

  /** One small run disk, made, settled and dropped: loop devices, mkfs, mount and overlay all work here. */
  private async probe(): Promise<void> {
    const lower = join(this.dir, 'probe-lower');
    await mkdir(lower, { mode: 0o700 });
    await mkdir(join(this.dir, 'probe'), { mode: 0o700 });
    const volume = await createVolume(join(this.dir, 'probe.img'), join(this.dir, 'probe', 'vol'), 64 * MiB);
    const disk = new RunDisk(join(this.dir, 'probe'), volume, lower, 64, this.options.log);
    try {
      await disk.attach();
      await disk.settle();
    } finally {
      await disk.release();
    }
    await rmdir(lower);
  }

  get limitMb(): number {
    return this.options.limitMb;
  }

  /** A fresh volume with an overlay over `workspace`; the caller must release() it. */
  async prepare(workspace: string): Promise<RunDisk> {
    if (this.closed) throw new SandboxError('sandbox_unavailable', 'the sandbox is closing (the daemon is stopping); run again after it restarts');
    let made: Made;
    try {
      made = await this.takeVolume();
    } catch (error) {
      throw new SandboxError('sandbox_failed', `could not make the run's ${this.options.limitMb} MiB disk volume: ${(error as Error).message}`, { cause: error });
    }
    const disk = new RunDisk(made.dir, made.volume, workspace, this.options.limitMb, this.options.log);
    try {
      await disk.attach();
      return disk;
    } catch (error) {
      await disk.release().catch(() => undefined);
      throw new SandboxError('sandbox_failed', `could not mount the run's overlay over ${workspace}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Drops the spare volume and this instance's folder; a run disk still mounted keeps the folder. */
  async close(): Promise<void> {
    this.closed = true;
    const spare = this.spare;
    this.spare = undefined;
    const made = await spare?.catch(() => undefined);
    await made?.volume.release().catch(() => undefined);
    if (made) await rmdir(made.dir).catch(() => undefined);
    await rmdir(this.dir).catch(() => undefined);
  }

  /** Gives the spare (made now if there is none) and starts the next one. */
  private takeVolume(): Promise<Made> {
    const taken = this.spare ?? this.makeVolume();
    this.spare = this.closed ? undefined : this.makeVolume();
    // Awaited by the next prepare() or by close(); a failure surfaces there, never as an unhandled rejection.
    this.spare?.catch(() => undefined);
    return taken;
  }

  private async makeVolume(): Promise<Made> {
    const id = randomBytes(6).toString('hex');
    const dir = join(this.dir, id);
    await mkdir(dir, { mode: 0o700 });
    try {
      return { dir, volume: await createVolume(join(this.dir, `${id}.img`), join(dir, 'vol'), this.options.limitMb * MiB) };
    } catch (error) {
      await rmdir(dir).catch(() => undefined);
      throw error;
    }
  }
}

/**
 * Everything under `parent` killed processes left: mounts first, then loop
 * devices, then images and folders, removed by descriptor and never
 * through a mount (tree-remove refuses one). Only where no live runtime has
 * disks: at daemon start and stop.
 */
export async function reclaimRunDisks(parent: string): Promise<number> {
  const found = await reclaimVolumes(parent);
  if ((await mountsUnder(parent)).length > 0) return found.unmounted;
  await removeTree(parent);
  return found.unmounted + found.detached;
}

/** For `autodev doctor`: whether run disks can be made here, by looking only (nothing is mounted). */
export function diskLimitProbe(limitMb: number): { ok: boolean; detail: string } {
  if (!isRoot()) return { ok: false, detail: `off: the daemon is not root, so runs are not capped at ${limitMb} MiB (sandbox.diskLimitMb); only /tmp's tmpfs size and the 1 GiB per-file limit apply` };
  const mkfs = ['/usr/sbin/mkfs.ext4', '/sbin/mkfs.ext4'].some((path) => existsSync(path));
  const missing = !mkfs ? 'mkfs.ext4 (apt-get install e2fsprogs) is' : !existsSync('/dev/loop-control') ? 'loop device support (/dev/loop-control) is' : undefined;
  if (missing) return { ok: false, detail: `off: ${missing} missing, so runs are not capped at ${limitMb} MiB (sandbox.diskLimitMb)` };
  return { ok: true, detail: `each run may write ${limitMb} MiB (sandbox.diskLimitMb), workspace changes and /tmp together, on a loop-mounted volume of its own` };
}

/** RunDisks where they can be made; else undefined, and the log says why runs have no disk limit. */
export async function openRunDisks(options: RunDisksOptions): Promise<RunDisks | undefined> {
  try {
    return await RunDisks.open(options);
  } catch (error) {
    options.log?.warn("sandbox runs have no disk limit (sandbox.diskLimitMb): only /tmp's tmpfs size and the 1 GiB per-file limit bound what they write", {
      reason: (error as Error).message,
    });
    return undefined;
  }
}

/** Runs `body` on a run disk's view when there are disks, then settles and releases the disk: the shape every backend shares. */
export async function withRunDisk<T>(disks: RunDisks | undefined, workspace: string, body: (view: RunDiskView | undefined) => Promise<T>): Promise<T> {
  if (!disks) return body(undefined);
  const disk = await disks.prepare(workspace);
  try {
    const result = await body(disk.view);
    await disk.settle();
    return result;
  } finally {
    await disk.release();
  }
}
