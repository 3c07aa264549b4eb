import { execFile } from 'node:child_process';
import { mkdir, open, readdir, readFile, rmdir, statfs, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { mountsUnder, unmount } from './bind-mount.js';

const run = promisify(execFile);

/**
 * A sparse ext4 image, loop-mounted: a filesystem whose size is a hard cap
 * the kernel enforces (ENOSPC), where the host's ext4 has no project quotas
 * and tmpfs would charge every page to the run's memory limit. The image's
 * blocks are allocated on the host only as they are written, and go back
 * when it is deleted, so a run can take at most `sizeBytes` of the host's
 * disk, and nothing once it was released. Root only (mount).
 *
 * Measured here (2 GiB, 2 cores): truncate + mkfs + mount + umount about
 * 20 ms in all, 1.2 MB of the host's disk for a fresh volume.
 */
export interface DiskVolume {
  /** Where the filesystem is mounted (nosuid, nodev). */
  readonly mountPoint: string;
  readonly sizeBytes: number;
  /** Free bytes and inodes left to the volume's writers. */
  free(): Promise<{ bytes: number; inodes: number }>;
  /** Unmounts, detaches the loop device and deletes the image; a volume still held elsewhere is left to the kernel's autoclear. */
  release(): Promise<void>;
}

/**
 * No journal: the volume never outlives a crash of its daemon, so there is
 * nothing to replay. lazy_itable_init and nodiscard keep mkfs from writing
 * (or punching) the whole image; -m 0 gives the writers the full size.
 */
const MKFS_OPTIONS = ['-q', '-F', '-m', '0', '-O', '^has_journal', '-E', 'lazy_itable_init=1,nodiscard'];
/** mount(8)'s loop option sets LO_FLAGS_AUTOCLEAR: the device detaches itself when the last user of the filesystem goes. */
const MOUNT_OPTIONS = 'loop,nosuid,nodev,noatime';

export async function createVolume(image: string, mountPoint: string, sizeBytes: number): Promise<DiskVolume> {
  // O_EXCL: the image is this volume's alone, never a file something else put there.
  const handle = await open(image, 'wx', 0o600);
  let mounted = false;
  try {
    await handle.truncate(sizeBytes);
    await handle.close();
    await run('mkfs.ext4', [...MKFS_OPTIONS, image]);
    await mkdir(mountPoint, { mode: 0o755 }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    });
    await run('mount', ['-t', 'ext4', '-o', MOUNT_OPTIONS, image, mountPoint]);
    mounted = true;
    const device = await loopDeviceOf(mountPoint);
    return {
      mountPoint,
      sizeBytes,
      async free() {
        const info = await statfs(mountPoint);
        return { bytes: info.bavail * info.bsize, inodes: info.ffree };
      },
      release: () => releaseVolume(image, mountPoint, device),
    };
  } catch (error) {
    await handle.close().catch(() => undefined);
    if (mounted) await unmount(mountPoint).catch(() => undefined);
    await unlink(image).catch(() => undefined);
    await rmdir(mountPoint).catch(() => undefined);
    throw error;
  }
}

async function releaseVolume(image: string, mountPoint: string, device: string | undefined): Promise<void> {
  if ((await mountsUnder(mountPoint)).includes(mountPoint)) await unmount(mountPoint);
  // Autoclear has detached the device once nothing holds the filesystem; a leftover is detached by hand.
  if (device && (await loopBackingFile(device))?.startsWith(image)) await detachLoop(device);
  // Deleted even if still attached: its blocks go back to the host when the device lets it go.
  await unlink(image).catch(() => undefined);
  await rmdir(mountPoint).catch(() => undefined);
}

/**
 * Unmounts `points` in order, in one umount(8) when nothing is in the way
 * (a run's release is on its critical path: each exec costs 3 to 10 ms on
 * two loaded cores); else one by one, with bind-mount.ts's retries. Gives
 * back those still mounted.
 */
export async function unmountAll(points: readonly string[]): Promise<string[]> {
  if (points.length === 0) return [];
  const done = await run('umount', [...points]).then(
    () => true,
    () => false,
  );
  if (done) return [];
  const held: string[] = [];
  for (const point of points) {
    if (!(await mountsUnder(point)).includes(point)) continue;
    await unmount(point).catch(() => held.push(point));
  }
  return held;
}

/** The loop device mounted at `mountPoint`, from this process's mount table. */
async function loopDeviceOf(mountPoint: string): Promise<string | undefined> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  for (const line of table.split('\n')) {
    const fields = line.split(' ');
    if (fields[4] !== mountPoint) continue;
    const source = fields[fields.indexOf('-') + 2];
    if (source?.startsWith('/dev/loop')) return source;
  }
  return undefined;
}

/** What a loop device is attached to, without " (deleted)"; undefined when it is free. */
async function loopBackingFile(device: string): Promise<string | undefined> {
  const name = device.slice('/dev/'.length);
  const text = await readFile(`/sys/block/${name}/loop/backing_file`, 'utf8').catch(() => undefined);
  return text?.trim().replace(/ \(deleted\)$/, '');
}

async function detachLoop(device: string): Promise<void> {
  // On a device still in use this only sets autoclear, which is the most that can be done.
  await run('losetup', ['-d', device]).catch(() => undefined);
}

/**
 * What a killed daemon left under `dir`: mounts (overlays, loop-mounted
 * volumes), loop devices still attached to its images, and the images.
 * Only for a folder no live process uses (the daemon's own, at start).
 */
export async function reclaimVolumes(dir: string): Promise<{ unmounted: number; detached: number; images: number }> {
  const points = await mountsUnder(dir);
  for (const point of points) await unmount(point).catch(() => undefined);
  let detached = 0;
  for (const name of await readdir('/sys/block').catch(() => [] as string[])) {
    if (!name.startsWith('loop')) continue;
    const backing = await loopBackingFile(`/dev/${name}`);
    if (backing?.startsWith(`${dir}/`)) {
      await detachLoop(`/dev/${name}`);
      detached += 1;
    }
  }
  let images = 0;
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    if (!entry.endsWith('.img')) continue;
    await unlink(`${dir}/${entry}`).catch(() => undefined);
    images += 1;
  }
  return { unmounted: points.length, detached, images };
}
