import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { SandboxError } from './errors.js';

/**
 * Workspace files a command must not read, shown to it as an empty,
 * read-only file (bwrap and Docker bind /dev/null over each): npm's project
 * `.npmrc` is the case, since npm reads it whatever flags it is given (see
 * actors/sandbox-app/npm-config.ts).
 *
 * Only a regular file can be masked that way. A bind over a symlink lands
 * on whatever the link points to, and a file cannot be bound over a folder,
 * so any other kind of entry under a masked name refuses the run: the
 * caller checks it first and says why in its own terms. A missing entry
 * is left missing (a mount point would have to be created in the caller's
 * workspace): only what the command itself starts could create it, and a
 * caller masks a file precisely when the command runs none of the
 * project's code before reading it (npm with scripts off).
 *
 * Returned: the names to mask, those that are regular files.
 */
export async function entriesToMask(workspace: string, names: readonly string[] | undefined): Promise<string[]> {
  const masked: string[] = [];
  for (const name of names ?? []) {
    // One level only: a parent folder could itself be a link, which no check here could pin.
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
      throw new SandboxError('sandbox_bad_request', `masked entry "${name}" must be a plain name at the top of the workspace`);
    }
    const info = await lstat(join(workspace, name)).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    if (!info) continue;
    if (!info.isFile()) {
      throw new SandboxError('sandbox_bad_request', `${name} in the workspace is not a regular file (a link or a folder), so the sandbox cannot hide it: replace it with a regular file`);
    }
    masked.push(name);
  }
  return masked;
}
