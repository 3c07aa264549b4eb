import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DependencyCache } from './deps-cache.js';

/** Root lifecycle scripts `npm rebuild` runs for the project itself, besides its dependencies'. */
const ROOT_INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

/**
 * The dependency cache of `autodev accept`: one for every app the daemon is
 * asked to check, not one per job. Sharing it is safe because an entry
 * depends on its key alone: the exact package.json and lockfile (whose
 * integrity hashes pin every package), Node and platform; and it is saved
 * after the install and `npm rebuild`, before the app's own build runs, so
 * the app's code has not touched it.
 *
 * The one exception is the app's own install scripts, which `npm rebuild`
 * runs for the project root too (node-gyp, for a root binding.gyp): they
 * can read files the key does not cover, so two apps with the same
 * package.json could leave different node_modules. Such an app gets no key:
 * it is installed every time, never copied from or into the cache.
 */
export class SharedDependencyCache extends DependencyCache {
  override async keyOf(appDir: string): Promise<string | null> {
    if (await runsOwnInstallCode(appDir)) return null;
    return super.keyOf(appDir);
  }
}

async function runsOwnInstallCode(appDir: string): Promise<boolean> {
  if ((await lstat(join(appDir, 'binding.gyp')).catch(() => null)) !== null) return true;
  const text = await readFile(join(appDir, 'package.json'), 'utf8').catch(() => null);
  if (text === null) return false;
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    // Not JSON: npm refuses it anyway, and what was not understood is never kept.
    return true;
  }
  const scripts = typeof manifest === 'object' && manifest !== null && 'scripts' in manifest ? manifest.scripts : null;
  if (typeof scripts !== 'object' || scripts === null) return false;
  return ROOT_INSTALL_SCRIPTS.some((name) => name in scripts);
}
