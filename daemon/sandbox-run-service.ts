import type { SandboxRunBody, SandboxRunAnswer } from '../proto/index.js';
import { removeTree } from '../actors/fs/safe-tree.js';
import type { SandboxResult } from '../actors/sandbox/sandbox.js';
import { UnsafeSandbox } from '../actors/sandbox/unsafe-sandbox.js';
import type { Logger } from '../actors/log/logger.js';
import type { SandboxRunService } from './api/sandbox-routes.js';
import type { SandboxConfig } from './config.js';
import { copyInWorkspace, sandboxRunsDir } from './sandbox-run-workspace.js';
import { openSandbox } from './sandbox-runtime.js';

/**
 * `autodev sandbox run`, served by the daemon: each run opens its own
 * one-shot runtime, as the command did in its own process before, so
 * `unsafeNoSandbox` applies to this run only and never to the daemon's workers.
 * The command runs in a private copy of the named folder (see
 * sandbox-run-workspace.ts), whose changes reach the folder only with writeBack.
 */
export function createSandboxRunService(home: string, config: SandboxConfig, log: Logger): SandboxRunService {
  // Copies a killed daemon left behind go before the first run of this one; no run of ours can be using them.
  let leftoversGone: Promise<void> | undefined;
  return async (body: SandboxRunBody, signal: AbortSignal): Promise<SandboxRunAnswer> => {
    leftoversGone ??= removeTree(sandboxRunsDir(home)).catch((error: unknown) => log.warn('could not remove old sandbox run copies', { error: String(error) }));
    await leftoversGone;
    const workspace = await copyInWorkspace(home, body.workspace);
    try {
      // A one-shot run gains nothing from a warm pool; it borrows the daemon's engine when one runs.
      const runtime = await openSandbox({
        home,
        config: { ...config, warmPoolSize: 0 },
        unsafeNoSandbox: body.unsafeNoSandbox,
        createUnsafe: () => new UnsafeSandbox({ defaultTimeoutMs: config.timeoutMs }),
        stopAdoptedEngine: false,
        log,
      });
      let result: SandboxResult;
      try {
        result = await runtime.sandbox.run(body.argv, {
          workspace: workspace.copy,
          ...(body.cwd !== undefined ? { cwd: body.cwd } : {}),
          ...(body.timeoutMs !== undefined ? { timeoutMs: body.timeoutMs } : {}),
          limits: body.limits,
          network: body.network,
          signal,
        });
      } finally {
        await runtime.close();
      }
      // Only a run that ended on its own is written back: a killed one left its work half done.
      const killed = result.aborted === true || result.timedOut || result.oomKilled;
      const writeBack = body.writeBack === true && !killed;
      const report = writeBack
        ? await workspace.writeBack()
        : { written: [], skipped: body.writeBack ? [{ path: '.', why: 'the run was killed (timeout, memory or abort), so nothing was written back' }] : [] };
      if (report.written.length > 0) log.info('wrote a sandbox run back', { source: workspace.source, files: report.written.length, skipped: report.skipped.length });
      const { exitCode, stdout, stderr, timedOut, oomKilled, durationMs } = result;
      return {
        backend: runtime.choice.backend,
        reason: runtime.choice.reason,
        exitCode,
        stdout,
        stderr,
        timedOut,
        oomKilled,
        durationMs,
        workspace: { ranIn: 'copy', source: workspace.source, writeBack, ...report },
      };
    } finally {
      await workspace.release().catch((error: unknown) => log.warn('could not remove a sandbox run copy', { copy: workspace.copy, error: String(error) }));
    }
  };
}
