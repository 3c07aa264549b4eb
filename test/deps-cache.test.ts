import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DependencyCache } from '../actors/sandbox-app/deps-cache.js';
import { tempDir } from './helpers/env.js';

/** The dependency cache on a real filesystem, fed what a hostile install could leave in node_modules. */
describe('the dependency cache', () => {
  const dirs: Array<{ path: string; cleanup: () => void }> = [];
  const folder = (name: string) => {
    const dir = tempDir(name);
    dirs.push(dir);
    return dir.path;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) dir.cleanup();
  });

  const app = (manifest = '{"dependencies":{"a":"1.0.0"}}') => {
    const dir = folder('app');
    writeFileSync(join(dir, 'package.json'), manifest);
    mkdirSync(join(dir, 'node_modules', 'a'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'a', 'index.js'), 'module.exports = 1;');
    return dir;
  };

  it('keys on the exact package.json and lockfile, and gives no key for a manifest that is a link', async () => {
    const cache = new DependencyCache({ dir: folder('cache') });
    const one = app();
    const key = await cache.keyOf(one);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(await cache.keyOf(app())).toBe(key);
    expect(await cache.keyOf(app('{"dependencies":{"a":"1.0.1"}}'))).not.toBe(key);
    writeFileSync(join(one, 'package-lock.json'), '{}');
    expect(await cache.keyOf(one)).not.toBe(key);
    const linked = folder('linked');
    symlinkSync(join(one, 'package.json'), join(linked, 'package.json'));
    expect(await cache.keyOf(linked)).toBeNull();
  });

  it('copies node_modules out and back without following links, leaves pipes out, and is never shared with the copy', async () => {
    const cacheDir = folder('cache');
    const cache = new DependencyCache({ dir: cacheDir });
    const source = app();
    const secret = join(folder('outside'), 'secret');
    writeFileSync(secret, 'host secret');
    symlinkSync(secret, join(source, 'node_modules', 'a', 'leak'));
    symlinkSync('/', join(source, 'node_modules', 'a', 'root'));
    symlinkSync('../a/index.js', join(source, 'node_modules', 'a', 'bin'));
    execFileSync('mkfifo', [join(source, 'node_modules', 'a', 'pipe')]);
    const key = (await cache.keyOf(source)) as string;
    await cache.save(key, source);
    const kept = join(cacheDir, key, 'node_modules');
    expect(lstatSync(join(kept, 'a', 'leak')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(kept, 'a', 'leak'))).toBe(secret);
    expect(lstatSync(join(kept, 'a', 'root')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(kept, 'a', 'pipe'))).toBe(false);
    expect(readdirSync(cacheDir)).toEqual([key]);

    const target = folder('target');
    expect(await cache.restore(key, target)).toBe(true);
    expect(readFileSync(join(target, 'node_modules', 'a', 'index.js'), 'utf8')).toBe('module.exports = 1;');
    expect(readlinkSync(join(target, 'node_modules', 'a', 'bin'))).toBe('../a/index.js');
    // What a later run writes in its node_modules does not reach the cache: a copy, not a link.
    writeFileSync(join(target, 'node_modules', 'a', 'index.js'), 'poisoned');
    expect(readFileSync(join(kept, 'a', 'index.js'), 'utf8')).toBe('module.exports = 1;');
    // node_modules that code changed since is replaced by the kept one, and a link planted there is removed, not followed.
    const outside = folder('outside-target');
    writeFileSync(join(outside, 'keep'), 'untouched');
    symlinkSync(outside, join(target, 'node_modules', 'planted'));
    expect(await cache.restore(key, target)).toBe(true);
    expect(readFileSync(join(target, 'node_modules', 'a', 'index.js'), 'utf8')).toBe('module.exports = 1;');
    expect(existsSync(join(target, 'node_modules', 'planted'))).toBe(false);
    expect(readFileSync(join(outside, 'keep'), 'utf8')).toBe('untouched');
  });

  it('keeps nothing when an installed package is a link (a file: folder dependency builds outside node_modules)', async () => {
    const cacheDir = folder('cache');
    const cache = new DependencyCache({ dir: cacheDir });
    for (const name of ['linked', '@scope/linked']) {
      const dir = app(`{"dependencies":{"${name}":"file:../x"}}`);
      mkdirSync(join(dir, 'node_modules', '@scope'), { recursive: true });
      symlinkSync(folder('x'), join(dir, 'node_modules', name));
      await cache.save((await cache.keyOf(dir)) as string, dir);
    }
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
  });

  it('keeps nothing over its limits, and only the most recently used entries', async () => {
    const cacheDir = folder('cache');
    const big = app();
    writeFileSync(join(big, 'node_modules', 'a', 'big.bin'), Buffer.alloc(4096));
    const small = new DependencyCache({ dir: cacheDir, maxBytes: 1024 });
    await small.save((await small.keyOf(big)) as string, big);
    expect(readdirSync(cacheDir)).toEqual([]);

    const cache = new DependencyCache({ dir: cacheDir, maxEntries: 2 });
    const keys: string[] = [];
    for (const version of ['1', '2', '3']) {
      const dir = app(`{"dependencies":{"a":"${version}.0.0"}}`);
      const key = (await cache.keyOf(dir)) as string;
      await cache.save(key, dir);
      // Distinct ages, oldest first, whatever the filesystem's timestamp resolution.
      utimesSync(join(cacheDir, key), Number(version), Number(version));
      keys.push(key);
    }
    expect(readdirSync(cacheDir).sort()).toEqual([keys[1], keys[2]].sort());
    expect(await cache.restore(keys[0] as string, folder('miss'))).toBe(false);
  });
});
