/**
 * Bundles the CLI (dist/cli/main.js and the command modules it loads on
 * demand) into dist/cli-bundle/: one chunk per command plus the shared
 * contract, minified. Node loads a handful of files instead of about 150
 * (zod alone is 95), which is most of what `autodev status` spent before it
 * asked the daemon anything (issue 21).
 *
 * The chunks are CommonJS, each with V8's code cache beside it, written here
 * after its top level ran (cli/bundle-loader.ts, which bin/autodev.js loads
 * them with): Node 20 caches no compiled ES modules. The packages the CLI
 * imports are then require()d, so each must ship CommonJS too (the MCP SDK
 * and yaml do); one that does not fails every test that runs its command.
 *
 * bin/autodev.js uses the bundle only while it matches the compiled tree:
 * the stamp written here records dist/.tsbuildinfo as it was, and any later
 * `tsc` rewrites that file, so a stale bundle is never run; the unbundled
 * dist/cli/ is used instead. Run by `npm run build` and scripts/setup.sh;
 * without rolldown (a production-only install) it says so and bundles nothing.
 */
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../cli/daemon-process.js';
import { BUNDLE_DIR, BUNDLE_MAIN, BUNDLE_STAMP, buildStamp } from '../cli/bundle-stamp.js';
import { bundleLoader } from '../cli/bundle-loader.js';

/** Bundled in: small, pure JavaScript, loaded by nearly every command. Every other package stays an import. */
const INLINED = /^(zod|hono|@xstate\/store)(\/|$)/;

const root = packageRoot();
const dist = join(root, 'dist');
const out = join(dist, BUNDLE_DIR);
const before = await stat(join(dist, '.tsbuildinfo')).catch(() => undefined);
if (!before) throw new Error('dist/.tsbuildinfo is missing: run tsc -p tsconfig.json first');

let rolldown: typeof import('rolldown').rolldown;
try {
  ({ rolldown } = await import('rolldown'));
} catch {
  await rm(out, { recursive: true, force: true });
  console.log('[bundle-cli] rolldown is not installed (a production-only install?): the CLI runs unbundled from dist/cli/');
  process.exit(0);
}

const started = performance.now();
await rm(out, { recursive: true, force: true });
const bundle = await rolldown({
  input: { main: join(dist, 'cli', 'main.js') },
  platform: 'node',
  external: (id) => /^(node:|[a-z@])/.test(id) && !INLINED.test(id),
  // This project's modules do nothing when imported but define things, so a command's chunk keeps only what it uses.
  treeshake: { moduleSideEffects: (id) => (id.startsWith(dist) ? false : undefined) },
});
// import() of a package too becomes a require(): code run from a vm.Script with a code cache cannot import().
await bundle.write({ dir: out, format: 'cjs', minify: true, dynamicImportInCjs: false, entryFileNames: BUNDLE_MAIN, chunkFileNames: '[name]-[hash].cjs' });
await bundle.close();
for (const file of (await readdir(out)).filter((f) => f.endsWith('.cjs'))) {
  if (/\bimport\(/.test(await readFile(join(out, file), 'utf8'))) throw new Error(`dist/${BUNDLE_DIR}/${file} has an import(), which fails when loaded with a code cache`);
}
// Every chunk's top level runs once here (this project's modules only define things when loaded), then its cache is written.
const load = bundleLoader({ writeCache: true });
for (const file of (await readdir(out)).filter((f) => f.endsWith('.cjs'))) load(join(out, file));
await writeFile(join(out, BUNDLE_STAMP), `${JSON.stringify(buildStamp(before))}\n`);
console.log(`[bundle-cli] dist/${BUNDLE_DIR}/ in ${Math.round(performance.now() - started)} ms`);
