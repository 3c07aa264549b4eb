import type { BesideRunOptions, SandboxResult, SandboxService } from './sandbox.js';
import { startService } from './sandbox-service.js';

export interface DockerServiceDeps {
  /** Runs the service's cold container; calls onStarted with its id once it runs. */
  launch(signal: AbortSignal, onStarted: (containerId: string) => void): Promise<SandboxResult>;
  /** Runs a command in a container of its own that joins `containerId`'s network namespace. */
  beside(command: readonly string[], options: BesideRunOptions, containerId: string): Promise<SandboxResult>;
  signal?: AbortSignal;
}

/**
 * A Docker service: a cold container of its own (a warm pool container's
 * network is fixed as none at creation, and joining needs a container to
 * name). The engine itself refuses to join a container that has stopped, so
 * an id can never lead a run onto another network.
 */
export function startDockerService(deps: DockerServiceDeps): Promise<SandboxService> {
  return startService<string, string>({
    launch: deps.launch,
    pin: async (id) => id,
    beside: deps.beside,
    release: async () => undefined,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
}
