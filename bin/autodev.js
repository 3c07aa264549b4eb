#!/usr/bin/env node
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The bundled CLI (scripts/bundle-cli.ts) loads in a fraction of the time, but only while it was made
 * from the compiled tree as it is now: its stamp must name dist/.tsbuildinfo's current size and time,
 * which every tsc run rewrites. Otherwise the compiled modules run, so stale code never does.
 */
function bundleIsFresh() {
  try {
    const stamp = JSON.parse(readFileSync(new URL('../dist/cli-bundle/stamp.json', import.meta.url), 'utf8'));
    const info = statSync(new URL('../dist/.tsbuildinfo', import.meta.url));
    return stamp.tsbuildinfo.mtimeMs === info.mtimeMs && stamp.tsbuildinfo.size === info.size;
  } catch {
    return false;
  }
}

// The bundle is CommonJS with V8's code cache (scripts/bundle-cli.ts), loaded by dist/cli/bundle-loader.js.
const { main } = bundleIsFresh()
  ? (await import('../dist/cli/bundle-loader.js')).bundleLoader()(fileURLToPath(new URL('../dist/cli-bundle/main.cjs', import.meta.url)))
  : await import('../dist/cli/main.js');
process.exit(await main(process.argv.slice(2)));
