import { SandboxError } from './errors.js';
import type { BesideRunOptions, SandboxResult, SandboxService } from './sandbox.js';

/**
 * What a backend supplies to make a service: `Ready` is what its run reports
 * once the sandbox exists (bwrap's info, a container id), `Handle` what runs
 * beside it use to join its network (a pinned namespace descriptor, the id).
 */
export interface ServiceBackend<Ready, Handle> {
  /** Starts the service's run; calls onReady once its sandbox exists. */
  launch(signal: AbortSignal, onReady: (ready: Ready) => void): Promise<SandboxResult>;
  /** Turns the report into a handle, checking it still names the service's sandbox. */
  pin(ready: Ready): Promise<Handle>;
  beside(command: readonly string[], options: BesideRunOptions, handle: Handle): Promise<SandboxResult>;
  /** Frees the handle once no run beside can use it any more. */
  release(handle: Handle): Promise<void>;
  signal?: AbortSignal;
}

/**
 * The lifecycle every backend's service shares: start, pin the network once
 * the sandbox exists, run beside it while it lives, and on stop abort the
 * service and every run beside it, wait for all of them, then release.
 */
export async function startService<Ready, Handle>(backend: ServiceBackend<Ready, Handle>): Promise<SandboxService> {
  const stopper = new AbortController();
  const signal = backend.signal ? AbortSignal.any([backend.signal, stopper.signal]) : stopper.signal;
  let report: (ready: Ready) => void = () => undefined;
  const readiness = new Promise<Ready>((resolve) => (report = resolve));
  const ended = backend.launch(signal, (ready) => report(ready));
  // The caller never sees `ended` when start() itself fails below.
  ended.catch(() => undefined);
  const ready = await Promise.race([readiness, ended.then(() => null)]);
  const handle = ready === null ? null : await backend.pin(ready).catch(async (error: unknown) => {
    stopper.abort();
    await ended.catch(() => undefined);
    throw error;
  });
  const beside = new Set<Promise<SandboxResult>>();
  let stopped = false;
  let released: Promise<void> | null = null;
  // The handle stays valid while any run beside may still be starting with it.
  const release = () => (released ??= Promise.allSettled([...beside]).then(() => (handle === null ? undefined : backend.release(handle))));
  return {
    ended,
    runBeside(command, options) {
      if (handle === null || stopped) {
        return Promise.reject(new SandboxError('sandbox_failed', 'the service is not running, so nothing can run beside it (it ended or was stopped)'));
      }
      const besideSignal = options.signal ? AbortSignal.any([options.signal, stopper.signal]) : stopper.signal;
      const running = backend.beside(command, { ...options, signal: besideSignal }, handle);
      beside.add(running);
      const forget = () => beside.delete(running);
      running.then(forget, forget);
      return running;
    },
    async stop() {
      stopped = true;
      stopper.abort();
      const result = await ended;
      await release();
      return result;
    },
  };
}
