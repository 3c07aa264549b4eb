#!/usr/bin/env node
import { readFileSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// Node's fetch parses HTTP with a WebAssembly module, and V8 optimises such a module on background
// threads that exit waits for: about 70 ms on every command that talks to the daemon. A CLI's few
// requests gain nothing from optimised code, so it runs on the baseline compiler only. Set before
// the first fetch compiles the module; it affects WebAssembly only.
setFlagsFromString('--liftoff-only');

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

const { main } = await import(bundleIsFresh() ? '../dist/cli-bundle/main.js' : '../dist/cli/main.js');
process.exit(await main(process.argv.slice(2)));
