import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Host-side bind mounts, through util-linux's mount(8): Node has no mount
 * call. Used to hand a warm container its workspace after it started, which
 * needs root on the host.
 */
export async function bindMount(source: string, target: string): Promise<void> {
  await run('mount', ['--bind', source, target]);
}

export async function makeSharedMount(path: string): Promise<void> {
  await run('mount', ['--bind', path, path]);
  await run('mount', ['--make-rshared', path]);
}

/**
 * How long a busy mount is retried: a holder that is still exiting (a
 * container being removed) lets go within milliseconds on a quiet machine,
 * but took over the old 360 ms at a load average of 10, which left the pool
 * mounted and the home folder unremovable (EBUSY).
 */
const BUSY_RETRY_MS = 5_000;

/**
 * Never lazy: a lazy unmount only hides the mount, and a process still
 * holding it (cwd, open descriptors, a copy in a sandbox's mount namespace)
 * goes on writing there after the host believes it is gone. Callers end the
 * processes first (container-fence.ts, RunCgroup.killAndVerify); a short,
 * bounded retry covers a holder that is still exiting. When it still fails,
 * the mount stays and the caller must remove nothing under it (rmdir only).
 */
export async function unmount(target: string): Promise<void> {
  const deadline = performance.now() + BUSY_RETRY_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      await run('umount', [target]);
      return;
    } catch (error) {
      const busy = /busy/i.test(String((error as { stderr?: unknown }).stderr ?? ''));
      if (!busy || performance.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, 10 * (attempt + 1))));
    }
  }
}

/** Mount points at or under `root`, deepest first, from this process's mount table. */
export async function mountsUnder(root: string): Promise<string[]> {
  const table = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = table
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => Boolean(p) && (p === root || (p ?? '').startsWith(`${root}/`)))
    .map((p) => p.replace(/\\040/g, ' '));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export const isRoot = () => process.getuid?.() === 0;
