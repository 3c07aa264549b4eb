import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SharedDependencyCache } from './shared-deps-cache.js';

describe('the dependency cache shared by every autodev accept', () => {
  const dirs: string[] = [];
  const app = (manifest: object, extra: Record<string, string> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'autodev-shared-cache-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
    for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const cache = () => new SharedDependencyCache({ dir: join(tmpdir(), 'autodev-never-written') });

  it('keys an app whose install runs only its dependencies, as the per-job cache does', async () => {
    const manifest = { name: 'a', scripts: { start: 'node server.js', build: 'tsc' }, dependencies: { express: '^4.21.2' } };
    const key = await cache().keyOf(app(manifest));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    // Same package.json, other app files: the same entry serves both, since nothing of the app's ran before it was saved.
    expect(await cache().keyOf(app(manifest, { 'server.js': 'other code' }))).toBe(key);
  });

  it('gives no key to an app whose own install code npm rebuild would run: that code reads files the key does not cover', async () => {
    for (const script of ['preinstall', 'install', 'postinstall']) {
      expect(await cache().keyOf(app({ name: 'a', scripts: { [script]: 'node setup.js' }, dependencies: { express: '^4.21.2' } })), script).toBeNull();
    }
    // npm's default install script for a root binding.gyp is node-gyp rebuild.
    expect(await cache().keyOf(app({ name: 'a', dependencies: { express: '^4.21.2' } }, { 'binding.gyp': '{}' }))).toBeNull();
  });
});
