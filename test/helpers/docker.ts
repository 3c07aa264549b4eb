import { execFileSync } from 'node:child_process';
import Dockerode from 'dockerode';
import { resolveDockerdBin, startDockerEngine, type DockerEngine } from '../../actors/engines/docker-engine.js';
import { tempDir } from './env.js';

/**
 * Why a real dockerd cannot run here, or undefined when it can. It starts
 * (and stops) a throwaway engine, because an installed dockerd can still be
 * unable to run (no overlay or cgroups in a nested container); only then do
 * the Docker suites skip, saying why.
 */
export async function dockerSkipReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'dockerd needs root; run the suite as root (CI does)';
  if (!resolveDockerdBin()) return 'dockerd is not installed; scripts/setup.sh installs docker.io';
  try {
    const probe = await startTestDocker();
    await probe.stop();
    return undefined;
  } catch (error) {
    return `dockerd is installed but cannot start here: ${(error as Error).message.split('\n')[0]}`;
  }
}

export interface TestDocker {
  engine: DockerEngine;
  docker: Dockerode;
  dir: string;
  stop(): Promise<void>;
}

/**
 * A private dockerd for one test file: its own data root, exec root and
 * socket under a temp folder, no iptables rules and no bridge. Stopped, and
 * its folder removed, by stop().
 */
export async function startTestDocker(): Promise<TestDocker> {
  // A short path: containerd's socket lives under the exec root and unix socket paths are capped at 108 bytes.
  const dir = tempDir('dkr');
  const engine = await startDockerEngine({ dir: dir.path });
  const docker = new Dockerode({ socketPath: engine.socketPath });
  return {
    engine,
    docker,
    dir: dir.path,
    async stop() {
      await engine.stop();
      // Overlay mounts of the data root are gone once dockerd stopped; anything left is unmounted before removal.
      try {
        execFileSync('sh', ['-c', `grep -o " ${dir.path}[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l`]);
      } catch {
        // Nothing was mounted.
      }
      dir.cleanup();
    },
  };
}

/** The host's firewall rules, to show that the engine left them as it found them. */
export function iptablesRules(): string | undefined {
  try {
    return ['filter', 'nat']
      .map((table) => execFileSync('iptables', ['-t', table, '-S'], { encoding: 'utf8' }))
      .join('\n');
  } catch {
    return undefined;
  }
}
