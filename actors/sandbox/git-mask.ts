import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A writable `.git` is a way out of any sandbox: code that appends
 * `core.fsmonitor` to its config, or drops a hook, has the host's next git
 * command in that folder run a program of its choosing. Every backend
 * therefore shows the workspace's `.git` entries read-only, whoever the
 * caller is (execute_code mounts the job repository itself).
 *
 * Returned: `.git` folders and gitfiles at the top of the workspace and one
 * folder down (a nested repository or submodule), as paths relative to the
 * workspace. A symlink named .git is left alone: it resolves inside the
 * sandbox, and no host repository has one.
 */
export async function gitEntriesToProtect(workspace: string): Promise<string[]> {
  const found: string[] = [];
  const check = async (relative: string) => {
    const info = await lstat(join(workspace, relative)).catch(() => undefined);
    if (info && (info.isDirectory() || info.isFile())) found.push(relative);
  };
  await check('.git');
  const entries = await readdir(workspace, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    // node_modules holds other people's packages, never a repository the host runs git in.
    if (entry.isDirectory() && entry.name !== '.git' && entry.name !== 'node_modules') await check(`${entry.name}/.git`);
  }
  return found;
}
