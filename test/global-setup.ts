import type { TestProject } from 'vitest/node';
import { resolveDockerdBin } from '../actors/engines/docker-engine.js';
import { startTestDocker, type TestDocker } from './helpers/docker.js';

/**
 * What every integration file needs to know about Docker, found once per run
 * (issue 21): whether a real dockerd can run here, and, when it can, the
 * socket of one engine shared by the files that use an engine without testing
 * the engine itself. Files that test the engine (its start, stop, firewall
 * rules) still start their own through startOwnTestDocker().
 */
export interface SharedDocker {
  /** Why Docker suites skip, or null when a real engine runs. */
  skip: string | null;
  /** The shared engine's socket; null when skip is set. */
  socket: string | null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    docker: SharedDocker;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let engine: TestDocker | undefined;
  let skip: string | null = null;
  if (process.getuid?.() !== 0) skip = 'dockerd needs root; run the suite as root (CI does)';
  else if (!resolveDockerdBin()) skip = 'dockerd is not installed; scripts/setup.sh installs docker.io';
  else {
    // Starting the shared engine is the probe: an installed dockerd can still be unable to run (no overlay or cgroups).
    try {
      engine = await startTestDocker();
    } catch (error) {
      skip = `dockerd is installed but cannot start here: ${(error as Error).message.split('\n')[0]}`;
    }
  }
  project.provide('docker', { skip, socket: engine?.engine.socketPath ?? null });
  return async () => {
    await engine?.stop();
  };
}
