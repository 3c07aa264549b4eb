import { lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileNoFollow, writeFileUnder, writeSegments } from './safe-write.js';

/** Whether `root/relativePath` is a real folder reached through real folders only. */
async function isRealFolder(root: string, relativePath: string): Promise<boolean> {
  let path = root;
  for (const segment of writeSegments(relativePath)) {
    path = join(path, segment);
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isDirectory()) return false;
  }
  return true;
}

/**
 * Copies the regular files under `root/from` (a folder sandboxed code wrote,
 * such as a build's dist/) to `target`, skipping symlinks and anything that
 * is not a plain file or folder: fs.cp would copy a link to a host file as a
 * link, or follow a linked `from` itself, and the result would carry host
 * files. Returns the copied paths; none when `from` is not a real folder.
 */
export async function copyRegularFiles(root: string, from: string, target: string): Promise<string[]> {
  if (!(await isRealFolder(root, from))) return [];
  const source = join(root, from);
  const copied: string[] = [];
  // `target` is the daemon's own folder (artifacts/), never one a sandbox writes.
  await mkdir(target, { recursive: true });
  const visit = async (relative: string): Promise<void> => {
    const entries = await readdir(relative ? join(source, relative) : source, { withFileTypes: true });
    for (const entry of entries) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await visit(path);
      else if (entry.isFile()) {
        const bytes = await readFileNoFollow(join(source, path));
        if (!bytes) continue;
        await writeFileUnder(target, path, bytes);
        copied.push(path);
      }
    }
  };
  await visit('');
  return copied;
}
