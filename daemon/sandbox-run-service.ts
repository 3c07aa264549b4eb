import type { SandboxRunBody, SandboxRunAnswer } from '../proto/index.js';
import { UnsafeSandbox } from '../actors/sandbox/unsafe-sandbox.js';
import type { Logger } from '../actors/log/logger.js';
import type { SandboxRunService } from './api/sandbox-routes.js';
import type { SandboxConfig } from './config.js';
import { openSandbox } from './sandbox-runtime.js';

/**
 * `autodev sandbox run`, served by the daemon: each run opens its own
 * one-shot runtime, as the command did in its own process before, so
 * `unsafeNoSandbox` applies to this run only and never to the daemon's workers.
 */
export function createSandboxRunService(home: string, config: SandboxConfig, log: Logger): SandboxRunService {
  return async (body: SandboxRunBody, signal: AbortSignal): Promise<SandboxRunAnswer> => {
    // A one-shot run gains nothing from a warm pool; it borrows the daemon's engine when one runs.
    const runtime = await openSandbox({
      home,
      config: { ...config, warmPoolSize: 0 },
      unsafeNoSandbox: body.unsafeNoSandbox,
      createUnsafe: () => new UnsafeSandbox({ defaultTimeoutMs: config.timeoutMs }),
      stopAdoptedEngine: false,
      log,
    });
    try {
      const result = await runtime.sandbox.run(body.argv, {
        workspace: body.workspace,
        ...(body.cwd !== undefined ? { cwd: body.cwd } : {}),
        ...(body.timeoutMs !== undefined ? { timeoutMs: body.timeoutMs } : {}),
        limits: body.limits,
        network: body.network,
        signal,
      });
      const { exitCode, stdout, stderr, timedOut, oomKilled, durationMs } = result;
      return { backend: runtime.choice.backend, reason: runtime.choice.reason, exitCode, stdout, stderr, timedOut, oomKilled, durationMs };
    } finally {
      await runtime.close();
    }
  };
}
