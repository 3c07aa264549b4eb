/**
 * node-llama-cpp takes 0.5 s to import (3 s on a loaded machine), and most
 * processes that reach this code never run a local model: the daemon's start,
 * `--help`, a daemon on API or replay models. Every module that calls into it
 * imports it through here, on first use, and imports its types with
 * `import type`, which costs nothing at run time.
 */
export function loadLlamaCpp(): Promise<typeof import('node-llama-cpp')> {
  return import('node-llama-cpp');
}
