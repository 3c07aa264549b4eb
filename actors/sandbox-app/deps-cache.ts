import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { copyTree, removeTree } from '../fs/safe-tree.js';
import { readFileNoFollow } from '../fs/safe-write.js';
import type { Logger } from '../log/logger.js';

export interface DependencyCacheOptions {
  /** A folder only the daemon writes (never shown to a sandbox). */
  dir: string;
  /** Entries kept; the least recently used go first. */
  maxEntries?: number;
  /** An install bigger than this is not kept. */
  maxBytes?: number;
  maxFiles?: number;
  log?: Logger;
}

const KEY_VERSION = 1;
const MANIFEST_FILES = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json'];
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * node_modules as the sandbox installed and built it, kept per exact
 * package.json, lockfile, Node version and platform, so that checking an app
 * again (every server_starts and http rule, every acceptance round) copies
 * its packages instead of installing them and compiling native modules
 * again: a better-sqlite3 build alone is minutes on two cores.
 *
 * One cache per job: `npm rebuild` may run the app's own install scripts,
 * so an entry can hold what the job's code made, and one job's code must
 * never shape the packages another job is judged with.
 *
 * What is kept was written in the sandbox, so it is treated as hostile on
 * the host: copied and removed by descriptor (safe-tree.ts), so no link is
 * followed even if a process the sandbox left swaps one in mid-walk (links
 * are kept as links), only files, folders and links, bounded in files and
 * bytes. Copies out are made after the install and rebuild runs ended, so
 * nothing should be changing them; the walk does not rely on it. Entries are
 * copies, never hard links, so a later
 * sandbox that writes its node_modules cannot change the cache. An entry is
 * made under a private name and renamed into place, so a reader sees a
 * whole entry or none.
 */
export class DependencyCache {
  readonly #dir: string;
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #maxFiles: number;
  readonly #log: Logger | undefined;

  constructor(options: DependencyCacheOptions) {
    this.#dir = options.dir;
    this.#maxEntries = options.maxEntries ?? 4;
    this.#maxBytes = options.maxBytes ?? 2 * 1024 * 1024 * 1024;
    this.#maxFiles = options.maxFiles ?? 200_000;
    this.#log = options.log;
  }

  /** The key of the app's dependency set, or null when its manifests cannot be read as plain files. */
  async keyOf(appDir: string): Promise<string | null> {
    const hash = createHash('sha256').update(JSON.stringify([KEY_VERSION, process.version, process.platform, process.arch]));
    for (const name of MANIFEST_FILES) {
      const file = join(appDir, name);
      const info = await lstat(file).catch(() => null);
      if (info === null) {
        hash.update(`\0${name}:absent`);
        continue;
      }
      if (!info.isFile() || info.size > MAX_MANIFEST_BYTES) return null;
      // Read without following: the manifest may have become a link since lstat looked.
      const bytes = await readFileNoFollow(file);
      if (bytes === null || bytes.length > MAX_MANIFEST_BYTES) return null;
      hash.update(`\0${name}:${bytes.length}:`).update(bytes);
    }
    return hash.digest('hex');
  }

  /**
   * Copies the kept node_modules into the app, in place of any node_modules
   * it has (code that ran there since may have changed it); false when
   * nothing is kept under the key, or the copy failed (then the app has no
   * node_modules at all: nothing is left half-made).
   */
  async restore(key: string, appDir: string): Promise<boolean> {
    const entry = join(this.#dir, key, 'node_modules');
    const target = join(appDir, 'node_modules');
    if (!(await lstat(entry).catch(() => null))?.isDirectory()) return false;
    try {
      await removeTree(target);
      await copyTree(entry, target);
      const now = new Date();
      await utimes(join(this.#dir, key), now, now).catch(() => undefined);
      return true;
    } catch (error) {
      this.#log?.warn('could not copy cached dependencies; installing instead', { key, error: String(error) });
      await removeTree(target).catch(() => undefined);
      return false;
    }
  }

  /** Keeps the app's node_modules under `key`; failures are logged, never thrown: the cache only saves time. */
  async save(key: string, appDir: string): Promise<void> {
    const source = join(appDir, 'node_modules');
    if (!(await lstat(source).catch(() => null))?.isDirectory()) return;
    if ((await lstat(join(this.#dir, key)).catch(() => null)) !== null) return;
    const linked = await linkedPackage(source);
    if (linked) {
      // A file: dependency is a link out of node_modules, and its build output lies beside its source: a copy would lack it.
      this.#log?.info('not keeping dependencies that link to a folder outside node_modules', { key, package: linked });
      return;
    }
    const temp = join(this.#dir, `.new-${key}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(temp, { recursive: true, mode: 0o700 });
      // Pipes, sockets and devices are left out by the copy: reading a pipe would hang it.
      await copyTree(source, join(temp, 'node_modules'), { maxEntries: this.#maxFiles, maxBytes: this.#maxBytes });
      await rename(temp, join(this.#dir, key));
      await this.#prune();
    } catch (error) {
      // ENOTEMPTY/EEXIST: another run kept the same set first, which is as good.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') this.#log?.warn('did not keep the installed dependencies', { key, error: String(error) });
    } finally {
      await removeTree(temp).catch(() => undefined);
    }
  }

  async #prune(): Promise<void> {
    const names = (await readdir(this.#dir)).filter((name) => /^[0-9a-f]{64}$/.test(name));
    if (names.length <= this.#maxEntries) return;
    const aged = await Promise.all(names.map(async (name) => ({ name, at: (await lstat(join(this.#dir, name)).catch(() => null))?.mtimeMs ?? 0 })));
    aged.sort((a, b) => a.at - b.at);
    for (const { name } of aged.slice(0, aged.length - this.#maxEntries)) await removeTree(join(this.#dir, name));
  }
}

/** The first installed package that is a link (npm links `file:` folder dependencies), or null. */
async function linkedPackage(nodeModules: string): Promise<string | null> {
  for (const entry of await readdir(nodeModules, { withFileTypes: true })) {
    if (entry.name === '.bin') continue;
    if (entry.isSymbolicLink()) return entry.name;
    if (entry.isDirectory() && entry.name.startsWith('@')) {
      for (const scoped of await readdir(join(nodeModules, entry.name), { withFileTypes: true })) {
        if (scoped.isSymbolicLink()) return `${entry.name}/${scoped.name}`;
      }
    }
  }
  return null;
}
