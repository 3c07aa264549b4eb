import type { Logger } from '../actors/log/logger.js';
import type { Sandbox } from '../actors/sandbox/sandbox.js';

/**
 * The daemon's sandbox as the validation pipeline and the finalizer take it:
 * null when no backend may run, so the stages and rules that run code are
 * `unverified` and the builds are skipped, each with its reason, rather than
 * the whole step throwing.
 */
export function optionalSandbox(open: () => Promise<Sandbox>, log: Logger): () => Promise<Sandbox | null> {
  return async () => {
    try {
      return await open();
    } catch (error) {
      log.warn('no sandbox: stages and rules that run generated code are unverified, and builds are skipped', { error: (error as Error).message });
      return null;
    }
  };
}
