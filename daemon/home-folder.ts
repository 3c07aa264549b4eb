import { chmod, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AutodevError } from '../proto/index.js';

/** The home folder belongs to another user: its job code, memory and token would be theirs to read or plant. */
export class HomeFolderError extends AutodevError {
  override readonly name = 'HomeFolderError';
  constructor(message: string) {
    super('forbidden', message);
  }
}

const PRIVATE = 0o700;

/**
 * Creates the home folder, or checks an existing one: it must be ours, and
 * it and the folders directly in it (jobs/, memory/, nats/ …) are made
 * owner-only. A folder created by an older version, or by hand, is often
 * 0755, which lets every local user read job code, memory and logs.
 * Returns the folders whose mode was tightened.
 */
export async function preparePrivateHome(home: string, uid: number | undefined = process.getuid?.()): Promise<string[]> {
  await mkdir(home, { recursive: true, mode: PRIVATE });
  const info = await stat(home);
  if (!info.isDirectory()) throw new HomeFolderError(`${home} is not a folder; pick another home with --home or AUTODEV_HOME`);
  if (uid !== undefined && info.uid !== uid) {
    throw new HomeFolderError(
      `${home} belongs to uid ${info.uid}, not to you (uid ${uid}); autodevd keeps job code, memory and its API token there, so it uses only a folder of its own: pick one with --home or AUTODEV_HOME`,
    );
  }
  const tightened: string[] = [];
  if ((info.mode & 0o077) !== 0) {
    await chmod(home, PRIVATE);
    tightened.push(home);
  }
  for (const entry of await readdir(home, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(home, entry.name);
    // lstat: a symlink here is not followed, and a folder someone else owns is not ours to change.
    const child = await lstat(path);
    if (child.isDirectory() && (uid === undefined || child.uid === uid) && (child.mode & 0o077) !== 0) {
      await chmod(path, PRIVATE);
      tightened.push(path);
    }
  }
  return tightened;
}
