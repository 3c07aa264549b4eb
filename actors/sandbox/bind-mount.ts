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

/** Lazy, so a process still holding the folder cannot make cleanup fail. */
export async function unmount(target: string): Promise<void> {
  await run('umount', ['-l', target]);
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
