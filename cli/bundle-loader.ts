import { readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/**
 * Loads the bundled CLI (CommonJS files made by scripts/bundle-cli.ts) with
 * V8's code cache: each `NAME.cjs` has a `NAME.cjs.v8cache` beside it,
 * written when the bundle was made, after its top level ran, so V8 neither
 * parses nor compiles again what running it compiled then (zod's classes
 * and the proto/ schemas): 7 to 13 ms of `autodev status JOB`, measured
 * (issue 21). Node 20 has no compile cache for ES modules. V8 checks a cache
 * against the source, its own version and flags, and ignores one that does
 * not match, so a stale or foreign cache only costs the compile it would
 * have saved.
 */
export const CODE_CACHE_SUFFIX = '.v8cache';

interface CommonJsModule {
  exports: unknown;
}
type ModuleFunction = (exports: unknown, require: (id: string) => unknown, module: CommonJsModule, filename: string, dirname: string) => void;

/** A chunk of the bundle names another as `./NAME.cjs`; anything else (node:, packages) is Node's to load. */
const CHUNK = /^\.\/[^/]+\.cjs$/;

/**
 * A loader for one bundle: `load(file)` runs a chunk once and returns its
 * exports. With `writeCache`, each chunk's code cache is written after its
 * top level ran (what scripts/bundle-cli.ts does); otherwise it is read.
 */
export function bundleLoader(options: { writeCache?: boolean } = {}): (file: string) => unknown {
  const loaded = new Map<string, CommonJsModule>();
  const load = (file: string): unknown => {
    const known = loaded.get(file);
    if (known) return known.exports;
    const module: CommonJsModule = { exports: {} };
    loaded.set(file, module);
    const cachedData = options.writeCache ? undefined : readCache(file);
    // A chunk has no import(): scripts/bundle-cli.ts turns each into a require(), which this loader serves.
    const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, ...(cachedData ? { cachedData } : {}) });
    const nodeRequire = createRequire(file);
    const chunkRequire = (id: string): unknown => (CHUNK.test(id) ? load(join(dirname(file), id)) : nodeRequire(id));
    (script.runInThisContext() as ModuleFunction).call(module.exports, module.exports, chunkRequire, module, file, dirname(file));
    if (options.writeCache) writeFileSync(`${file}${CODE_CACHE_SUFFIX}`, script.createCachedData());
    return module.exports;
  };
  return load;
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(`${file}${CODE_CACHE_SUFFIX}`);
  } catch {
    return undefined;
  }
}
