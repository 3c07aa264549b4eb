#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// Node's fetch parses HTTP with a WebAssembly module, and V8 optimises such a module on background
// threads that exit waits for: about 70 ms on every command that talks to the daemon. A CLI's few
// requests gain nothing from optimised code, so it runs on the baseline compiler only. Set before
// the first fetch compiles the module; it affects WebAssembly only.
setFlagsFromString('--liftoff-only');

const { main } = await import('../dist/cli/main.js');
process.exit(await main(process.argv.slice(2)));
