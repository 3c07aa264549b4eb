import type { Logger } from '../actors/log/logger.js';
import type { ModelHandle } from './model-loader.js';

/**
 * Loads the configured model roles in the background once the daemon is up
 * (the seed's "worker warm-up"), so the first task does not wait seconds for
 * a large GGUF to load. A role that is not configured is skipped; one that
 * fails to load is logged, and the first task that needs it tries again and
 * reports the error.
 */
export async function warmUpModels(handles: readonly ModelHandle[], log: Logger): Promise<void> {
  await Promise.all(
    handles.map(async (handle) => {
      try {
        handle.assertConfigured();
      } catch {
        return;
      }
      const started = performance.now();
      try {
        await handle.get();
        log.info('model loaded ahead of the first task', { role: handle.role, model: handle.name, ms: Math.round(performance.now() - started) });
      } catch (error) {
        log.warn('could not load a model ahead of time; the first task that needs it will try again', { role: handle.role, error: String(error) });
      }
    }),
  );
}
