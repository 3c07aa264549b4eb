import type { WarmUpPart, WarmUpView } from '../proto/index.js';
import type { Logger } from '../actors/log/logger.js';
import type { ModelHandle } from './model-loader.js';

export type WarmUpPartName = keyof WarmUpView;

/**
 * What the daemon is still readying after it answers, for /health: the
 * daemon accepts jobs before its models, memory and sandbox are loaded, and
 * a user (or a test) who wants them warm reads here instead of guessing.
 */
export class WarmUpBoard {
  readonly #parts = new Map<WarmUpPartName, WarmUpPart & { startedAt?: number }>();
  readonly #clock: () => number;

  constructor(clock: () => number = () => performance.now()) {
    this.#clock = clock;
  }

  off(name: WarmUpPartName): void {
    this.#parts.set(name, { state: 'off', ms: null, error: null });
  }

  /** Shows `name` loading until `work` settles; returns `work` itself, so callers see its outcome unchanged. */
  track<T>(name: WarmUpPartName, work: Promise<T>): Promise<T> {
    const startedAt = this.#clock();
    this.#parts.set(name, { state: 'loading', ms: null, error: null, startedAt });
    const elapsed = () => Math.round(this.#clock() - startedAt);
    work.then(
      () => this.#parts.set(name, { state: 'ready', ms: elapsed(), error: null }),
      (error: unknown) => this.#parts.set(name, { state: 'failed', ms: elapsed(), error: error instanceof Error ? error.message : String(error) }),
    );
    return work;
  }

  view(): WarmUpView {
    const part = (name: WarmUpPartName): WarmUpPart => {
      const { startedAt, ...rest } = this.#parts.get(name) ?? { state: 'idle', ms: null, error: null };
      return rest.state === 'loading' && startedAt !== undefined ? { ...rest, ms: Math.round(this.#clock() - startedAt) } : rest;
    };
    return { master: part('master'), worker: part('worker'), memory: part('memory'), sandbox: part('sandbox') };
  }
}

/**
 * Loads the configured model roles in the background once the daemon is up
 * (the seed's "worker warm-up"), so the first task does not wait seconds for
 * a large GGUF to load. A role that is not configured is shown `off`; one that
 * fails to load is logged, and the first task that needs it tries again and
 * reports the error.
 */
export async function warmUpModels(handles: readonly ModelHandle[], log: Logger, board: WarmUpBoard = new WarmUpBoard()): Promise<void> {
  await Promise.all(
    handles.map(async (handle) => {
      try {
        handle.assertConfigured();
      } catch {
        board.off(handle.role);
        return;
      }
      const started = performance.now();
      try {
        await board.track(handle.role, handle.get());
        log.info('model loaded ahead of the first task', { role: handle.role, model: handle.name, ms: Math.round(performance.now() - started) });
      } catch (error) {
        log.warn('could not load a model ahead of time; the first task that needs it will try again', { role: handle.role, error: String(error) });
      }
    }),
  );
}
