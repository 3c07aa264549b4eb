import type { Logger } from '../actors/log/logger.js';

/**
 * Starts opening the sandbox without waiting for it. Every job's first
 * attempt needs it, so an engine start or an image build overlaps planning
 * instead of holding up the first validation. A failure is only logged: the
 * attempt that needs the sandbox meets it again and reports it.
 */
export function prewarmSandbox(open: () => Promise<unknown>, log: Logger): void {
  open().catch((error: unknown) => log.warn('the sandbox could not be opened ahead of the first validation', { error: String(error) }));
}
