import { open, rename, rm } from 'node:fs/promises';

let sequence = 0;

export interface AtomicWriteOptions {
  /** File mode of a newly created file. */
  mode?: number;
  /** Flush the data to disk before the rename, for records that must survive a power cut. */
  sync?: boolean;
}

/**
 * Writes a temporary file beside the target and renames it over the target,
 * so a reader (or a daemon restarted after a crash) finds the old file whole
 * or the new one whole, never a torn one. The temporary name is unique per
 * process and call, so concurrent writers of one target do not collide.
 */
export async function writeFileAtomically(target: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const temporary = `${target}.tmp-${process.pid}-${(sequence += 1)}`;
  try {
    const handle = await open(temporary, 'w', options.mode ?? 0o666);
    try {
      await handle.writeFile(data);
      if (options.sync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
