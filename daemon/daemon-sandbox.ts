import type { Logger } from '../actors/log/logger.js';
import type { Sandbox } from '../actors/sandbox/sandbox.js';
import { UnsafeSandbox } from '../actors/sandbox/unsafe-sandbox.js';
import type { SandboxConfig } from './config.js';
import { lazySandbox, openSandbox, reclaimSandboxLeftovers } from './sandbox-runtime.js';
import type { WarmUpBoard } from './warm-up.js';

export interface DaemonSandboxOptions {
  home: string;
  config: SandboxConfig;
  unsafeNoSandbox: boolean;
  /** /health shows the sandbox loading, ready or failed on it. */
  warmUp: WarmUpBoard;
  /** Registers a step for the daemon's stop. */
  defer: (cleanup: () => Promise<void> | void) => void;
  log: Logger;
}

export interface DaemonSandbox {
  /** The sandbox generated code runs in, opened on first call (engine, image, warm pool); rejects when no backend may run. */
  sandbox: () => Promise<Sandbox>;
  /** The Docker engine's socket when the sandbox runs on Docker, else null. */
  dockerSocket: () => Promise<string | null>;
}

/** Reclaims what a killed daemon left under the home, and opens the sandbox lazily, closed with the daemon. */
export async function openDaemonSandbox(options: DaemonSandboxOptions): Promise<DaemonSandbox> {
  const { home, config, log } = options;
  await reclaimSandboxLeftovers(home, log);
  const sandboxes = lazySandbox(() =>
    options.warmUp.track(
      'sandbox',
      openSandbox({
        home,
        config,
        unsafeNoSandbox: options.unsafeNoSandbox,
        createUnsafe: () => new UnsafeSandbox({ defaultTimeoutMs: config.timeoutMs }),
        log,
      }),
    ),
  );
  options.defer(async () => {
    await sandboxes.close();
    // An engine stopped mid-run can leave container overlays mounted under the home folder.
    await reclaimSandboxLeftovers(home, log);
  });
  return {
    sandbox: () => sandboxes.get().then((runtime) => runtime.sandbox),
    dockerSocket: () => sandboxes.get().then((rt) => (rt.choice.backend === 'docker' ? (rt.engine?.socketPath ?? config.dockerSocket) : null)),
  };
}
