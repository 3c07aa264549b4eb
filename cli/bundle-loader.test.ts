import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CODE_CACHE_SUFFIX, bundleLoader } from './bundle-loader.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Chunks as rolldown writes them: CommonJS, naming each other `./NAME.cjs`, one loaded on demand. */
function bundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'autodev-bundle-loader-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'shared.cjs'), 'globalThis.__sharedRuns = (globalThis.__sharedRuns ?? 0) + 1; exports.token = {};');
  writeFileSync(
    join(dir, 'main.cjs'),
    "const shared = require('./shared.cjs'); const { basename } = require('node:path');" +
      "exports.name = basename(__filename); exports.token = shared.token; exports.later = () => Promise.resolve().then(() => require('./command.cjs'));",
  );
  writeFileSync(join(dir, 'command.cjs'), "exports.token = require('./shared.cjs').token;");
  return dir;
}

interface Main {
  name: string;
  token: object;
  later(): Promise<{ token: object }>;
}

describe('bundleLoader', () => {
  it('runs each chunk once per loader, so chunks share one instance of a module, and leaves node: and packages to Node', async () => {
    const dir = bundle();
    const runs = () => (globalThis as { __sharedRuns?: number }).__sharedRuns ?? 0;
    const before = runs();
    const main = bundleLoader()(join(dir, 'main.cjs')) as Main;
    expect(main.name).toBe('main.cjs');
    expect((await main.later()).token).toBe(main.token);
    expect(runs() - before).toBe(1);
  });

  it('writes a code cache per chunk when asked, and loads the same exports from chunks that have one', async () => {
    const dir = bundle();
    const writer = bundleLoader({ writeCache: true });
    for (const chunk of ['main.cjs', 'shared.cjs', 'command.cjs']) writer(join(dir, chunk));
    for (const chunk of ['main.cjs', 'shared.cjs', 'command.cjs']) expect(existsSync(join(dir, `${chunk}${CODE_CACHE_SUFFIX}`)), chunk).toBe(true);
    const main = bundleLoader()(join(dir, 'main.cjs')) as Main;
    expect(main.name).toBe('main.cjs');
    expect((await main.later()).token).toBe(main.token);
  });

  it('ignores a cache that does not match its chunk: the chunk changed, the new code runs', () => {
    const dir = bundle();
    bundleLoader({ writeCache: true })(join(dir, 'command.cjs'));
    writeFileSync(join(dir, 'command.cjs'), 'exports.token = "changed";');
    expect((bundleLoader()(join(dir, 'command.cjs')) as { token: unknown }).token).toBe('changed');
  });
});
