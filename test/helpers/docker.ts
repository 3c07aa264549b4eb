import { execFileSync } from 'node:child_process';
import Dockerode from 'dockerode';
import { inject } from 'vitest';
import { startDockerEngine, type DockerEngine } from '../../actors/engines/docker-engine.js';
import { tempDir } from './env.js';

/**
 * Why a real dockerd cannot run here, or undefined when it can: found once per
 * run by test/global-setup.ts, which starts the shared engine; only then do the
 * Docker suites skip, saying why.
 */
export function dockerSkipReason(): string | undefined {
  return inject('docker').skip ?? undefined;
}

/** The socket of the run's shared engine, for daemons under test (`sandbox.dockerSocket`); undefined where Docker cannot run. */
export function sharedDockerSocket(): string | undefined {
  return inject('docker').socket ?? undefined;
}

export interface TestDocker {
  engine: Pick<DockerEngine, 'socketPath'>;
  docker: Dockerode;
  /** A folder of this file's own (pools, disks), removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

/**
 * The run's shared engine, for a file that uses an engine without testing it.
 * Everything a file makes on it carries that file's own owner label, and
 * stop() leaves the engine running for the others.
 */
export function useSharedDocker(): TestDocker {
  const socketPath = sharedDockerSocket();
  if (!socketPath) throw new Error(`no shared Docker engine: ${dockerSkipReason() ?? 'test/global-setup.ts did not run'}`);
  const dir = tempDir('dkf');
  return {
    engine: { socketPath },
    docker: new Dockerode({ socketPath }),
    dir: dir.path,
    async stop() {
      dir.cleanup();
    },
  };
}

/**
 * A private dockerd: its own data root, exec root and socket under a temp
 * folder, no iptables rules and no bridge. Stopped, and its folder removed, by
 * stop(). For the shared engine (global-setup.ts) and for files that test the
 * engine itself; others use useSharedDocker().
 */
export async function startTestDocker(): Promise<TestDocker & { engine: DockerEngine }> {
  // A short path: containerd's socket lives under the exec root and unix socket paths are capped at 108 bytes.
  const dir = tempDir('dkr');
  const engine = await startDockerEngine({ dir: dir.path }).catch((error: unknown) => {
    dir.cleanup();
    throw error;
  });
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
